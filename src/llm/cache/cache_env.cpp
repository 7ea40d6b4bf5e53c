// LEADSCOUT_LLM_CACHE and Redis URLs.
#include "cache/cache_env.hpp"

#include <cstdlib>
#include <string_view>

#include "leadscout/error.hpp"

namespace leadscout::llm::detail {

common::RedisAddress parse_redis_endpoint(const std::string& url, const std::string& what) {
  common::RedisUrlError error;
  std::optional<common::RedisAddress> address = common::parse_redis_address(url, error);
  if (!address) throw Error(what + ": \"" + url + "\" is not a Redis URL (" + error.expected + ")");
  return std::move(*address);
}

Cache cache_from_text(const Cache& configured, const std::string& value) {
  if (value.empty()) return configured;
  if (value == "off") return Cache{};
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (value.starts_with(sqlite_prefix) && value.size() > sqlite_prefix.size()) {
    return Cache::sqlite(value.substr(sqlite_prefix.size()), configured.options());
  }
  if (value.starts_with("redis://")) {
    (void)parse_redis_endpoint(value, kCacheVariable);
    return Cache::redis(value, configured.options());
  }
  throw Error(std::string(kCacheVariable) + "=\"" + value +
              "\" is not a cache: expected sqlite:PATH, redis://host:port/db or off");
}

Cache cache_from_env(const Cache& configured) {
  const char* value = std::getenv(kCacheVariable);
  return cache_from_text(configured, value == nullptr ? std::string() : std::string(value));
}

}  // namespace leadscout::llm::detail

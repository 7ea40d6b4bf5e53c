// LEADSCOUT_LLM_CACHE and Redis URLs.
#include "cache/cache_env.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

#include "leadscout/error.hpp"

namespace leadscout::llm::detail {

namespace {

bool parse_number(std::string_view text, int max, int& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0 && out <= max;
}

}  // namespace

RedisEndpoint parse_redis_endpoint(const std::string& url, const std::string& what) {
  const auto bad = [&](const std::string& why) {
    return Error(what + ": \"" + url + "\" is not a Redis URL (" + why + ")");
  };
  constexpr std::string_view scheme = "redis://";
  std::string_view rest(url);
  if (!rest.starts_with(scheme)) throw bad("expected redis://host:port/db");
  rest.remove_prefix(scheme.size());
  RedisEndpoint out;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !parse_number(db, 65535, out.db)) throw bad("expected a database number");
    rest = rest.substr(0, slash);
  }
  if (rest.find('@') != std::string_view::npos) throw bad("user names and passwords are not supported");
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    if (!parse_number(rest.substr(colon + 1), 65535, out.port) || out.port == 0) throw bad("expected a port from 1 to 65535");
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) throw bad("expected a host name");
  out.host = std::string(rest);
  return out;
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

// The address of the shared quota store, and the store LEADSCOUT_QUOTA_REDIS names.
#include "quota_shared.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "leadscout/batch/options.hpp"

#ifdef LEADSCOUT_WITH_REDIS
#include "quota_redis.hpp"
#endif

namespace leadscout::batch::detail {

namespace {

[[noreturn]] void bad_url(std::string_view variable, std::string_view part, std::string_view expected) {
  throw leadscout::Error("invalid " + std::string(variable) + ": \"" + std::string(part) + "\": " + std::string(expected));
}

}  // namespace

RedisAddress parse_redis_url(std::string_view url, std::string_view variable) {
  common::RedisUrlError error;
  std::optional<RedisAddress> address = common::parse_redis_address(url, error);
  if (!address) bad_url(variable, error.part, error.expected);
  return std::move(*address);
}

bool redis_supported() noexcept {
#ifdef LEADSCOUT_WITH_REDIS
  return true;
#else
  return false;
#endif
}

std::chrono::milliseconds parse_reservation_ttl(std::string_view text) {
  double seconds = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(seconds) || seconds <= 0 || seconds > 86400) {
    bad_url(quota_redis_ttl_variable, text, "expected seconds, a number > 0 and at most 86400");
  }
  return std::max(std::chrono::milliseconds(1), std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000)));
}

std::shared_ptr<SharedQuotaStore> connect_redis(const RedisAddress& address, std::string_view variable,
                                                leadscout::log::Logger log, std::chrono::milliseconds reservation_ttl) {
#ifdef LEADSCOUT_WITH_REDIS
  return std::make_shared<RedisQuotaStore>(address, variable, std::move(log), reservation_ttl);
#else
  (void)address;
  (void)log;
  (void)reservation_ttl;
  throw leadscout::Error(std::string(variable) + " is set, but this build of leadscout has no Redis support " +
              "(rebuild with hiredis and -DLEADSCOUT_WITH_REDIS=ON, or unset " + std::string(variable) + ")");
#endif
}

std::shared_ptr<SharedQuotaStore> shared_store_from_env(leadscout::log::Logger log) {
  const std::string variable(quota_redis_variable);
  const char* text = std::getenv(variable.c_str());
  if (text == nullptr || *text == '\0') return nullptr;
  if (!redis_supported()) return connect_redis(RedisAddress{}, variable, std::move(log));
  const RedisAddress address = parse_redis_url(text, variable);
  std::chrono::milliseconds ttl = default_reservation_ttl;
  const char* ttl_text = std::getenv(std::string(quota_redis_ttl_variable).c_str());
  if (ttl_text != nullptr && *ttl_text != '\0') ttl = parse_reservation_ttl(ttl_text);
  return connect_redis(address, variable, std::move(log), ttl);
}

}  // namespace leadscout::batch::detail

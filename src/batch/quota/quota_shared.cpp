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

bool parse_int(std::string_view text, int max, int& out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end && out >= 0 && out <= max;
}

}  // namespace

RedisAddress parse_redis_url(std::string_view url, std::string_view variable) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) bad_url(variable, url, "expected redis://host:port/db");
  std::string_view rest = url.substr(scheme.size());
  RedisAddress a;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !parse_int(db, 65535, a.db)) bad_url(variable, db, "expected a database number");
    rest = rest.substr(0, slash);
  }
  if (rest.find('@') != std::string_view::npos) bad_url(variable, rest, "user names and passwords are not supported");
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = rest.substr(colon + 1);
    if (!parse_int(port, 65535, a.port) || a.port == 0) bad_url(variable, port, "expected a port from 1 to 65535");
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) bad_url(variable, url, "expected a host name");
  a.host = std::string(rest);
  return a;
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

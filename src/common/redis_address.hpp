// Where a Redis server is, parsed from a redis://host:port/db URL. The messages of a bad URL
// are left to the caller, which names its own variable or option.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace leadscout::common {

/// A parsed redis://host:port/db.
struct RedisAddress {
  std::string host;
  int port = 6379;
  int db = 0;
  /// "host:port/db".
  [[nodiscard]] std::string text() const { return host + ":" + std::to_string(port) + "/" + std::to_string(db); }
};

/// Why a URL is not a Redis address: the offending part of it, and what was expected there.
struct RedisUrlError {
  std::string part;
  std::string expected;
};

/// Parses "redis://host[:port][/db]" (no user name or password); nullopt with `error` set when
/// `url` is not one.
[[nodiscard]] std::optional<RedisAddress> parse_redis_address(std::string_view url, RedisUrlError& error);

}  // namespace leadscout::common

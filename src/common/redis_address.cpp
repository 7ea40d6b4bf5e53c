// redis:// URLs.
#include "redis_address.hpp"

#include <charconv>

namespace leadscout::common {

namespace {

bool parse_bounded_int(std::string_view text, int max, int& out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end && out >= 0 && out <= max;
}

std::optional<RedisAddress> url_error(RedisUrlError& error, std::string_view part, std::string_view expected) {
  error = RedisUrlError{std::string(part), std::string(expected)};
  return std::nullopt;
}

}  // namespace

std::optional<RedisAddress> parse_redis_address(std::string_view url, RedisUrlError& error) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) return url_error(error, url, "expected redis://host:port/db");
  std::string_view rest = url.substr(scheme.size());
  RedisAddress a;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !parse_bounded_int(db, 65535, a.db)) return url_error(error, db, "expected a database number");
    rest = rest.substr(0, slash);
  }
  if (rest.find('@') != std::string_view::npos) {
    return url_error(error, rest, "user names and passwords are not supported");
  }
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = rest.substr(colon + 1);
    if (!parse_bounded_int(port, 65535, a.port) || a.port == 0) {
      return url_error(error, port, "expected a port from 1 to 65535");
    }
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return url_error(error, url, "expected a host name");
  a.host = std::string(rest);
  return a;
}

}  // namespace leadscout::common

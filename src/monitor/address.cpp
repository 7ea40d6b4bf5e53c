// Listening addresses and the LEADSCOUT_HTTP* environment variables.
#include <arpa/inet.h>

#include <charconv>
#include <cstdlib>

#include "state.hpp"

namespace leadscout::monitor {

namespace detail {

Address parse_address(std::string_view text, std::string_view what) {
  auto fail = [&](std::string_view why) -> leadscout::Error {
    return leadscout::Error(std::string(what) + "='" + std::string(text) + "': " + std::string(why) +
                 " (expected host:port, e.g. " + std::string(default_address) + ")");
  };
  Address a;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw fail("an IPv6 address needs the form [addr]:port");
    }
    a.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) throw fail("no port");
    if (text.find(':') != colon) throw fail("an IPv6 address needs brackets");
    a.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (a.host.empty()) throw fail("no host (write 127.0.0.1 for loopback or 0.0.0.0 for every interface)");
  if (a.host.find_first_of(" \t/") != std::string::npos) throw fail("not a host name");
  int value = -1;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 0 || value > 65535) {
    throw fail("the port must be a number from 0 to 65535");
  }
  a.port = value;
  return a;
}

bool is_loopback(std::string_view host) {
  if (host == "localhost") return true;
  const std::string h(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace detail

std::optional<Options> options_from_env(Options base) {
  const char* http = std::getenv("LEADSCOUT_HTTP");
  if (http == nullptr || *http == '\0') return std::nullopt;
  const std::string_view value(http);
  const bool bare_port = value.find(':') == std::string_view::npos;
  base.address = bare_port ? "127.0.0.1:" + std::string(value) : std::string(value);
  try {
    (void)detail::parse_address(base.address, "LEADSCOUT_HTTP");
  } catch (const leadscout::Error&) {
    if (!bare_port) throw;
    throw leadscout::Error("LEADSCOUT_HTTP='" + std::string(value) + "': expected host:port (e.g. " +
                std::string(default_address) + ") or a port number for loopback");
  }
  if (const char* token = std::getenv("LEADSCOUT_HTTP_TOKEN"); token != nullptr && *token != '\0') {
    base.token = token;
  }
  if (const char* stall = std::getenv("LEADSCOUT_HTTP_STALL_SECONDS"); stall != nullptr && *stall != '\0') {
    const std::string_view s(stall);
    long long seconds = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
    if (ec != std::errc() || end != s.data() + s.size() || seconds <= 0 || seconds > 7 * 24 * 3600) {
      throw leadscout::Error("LEADSCOUT_HTTP_STALL_SECONDS='" + std::string(s) +
                  "': expected a whole number of seconds from 1 to 604800");
    }
    base.stall_after = std::chrono::seconds(seconds);
  }
  return base;
}

}  // namespace leadscout::monitor

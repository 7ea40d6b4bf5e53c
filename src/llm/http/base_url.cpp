// Parsing of base URLs, strict enough that a typo is an error at construction, not a failed call.
#include "http/base_url.hpp"

#include <algorithm>
#include <cctype>

#include "leadscout/error.hpp"

namespace leadscout::llm::detail {

namespace {

[[noreturn]] void reject(const std::string& url, const std::string& why) {
  throw Error("the base URL `" + url + "` cannot be used: " + why + " (expected http(s)://HOST[:PORT][/PATH])");
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

/// A port in 1..65535 written in decimal digits only, else 0.
int parse_port(const std::string& digits) {
  if (digits.empty() || digits.size() > 5) return 0;
  if (!std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) return 0;
  const int port = std::stoi(digits);
  return port <= 65535 ? port : 0;
}

/// Splits "host", "host:port", "[v6]" or "[v6]:port" into `url`'s host and port.
void split_authority(const std::string& original, BaseUrl& url) {
  const std::string& a = url.authority;
  std::string port_text;
  bool has_port = false;
  if (a.front() == '[') {
    const auto close = a.find(']');
    if (close == std::string::npos || close == 1) reject(original, "unclosed or empty IPv6 literal");
    url.host = a.substr(1, close - 1);
    if (close + 1 < a.size()) {
      if (a[close + 1] != ':') reject(original, "unexpected text after the IPv6 literal");
      has_port = true;
      port_text = a.substr(close + 2);
    }
  } else {
    const auto colon = a.find(':');
    url.host = a.substr(0, colon);
    if (colon != std::string::npos) {
      has_port = true;
      port_text = a.substr(colon + 1);
    }
  }
  if (url.host.empty()) reject(original, "no host");
  if (!has_port) {
    url.port = url.tls() ? 443 : 80;
    return;
  }
  url.port = parse_port(port_text);
  if (url.port == 0) reject(original, "the port must be a number from 1 to 65535");
}

}  // namespace

BaseUrl BaseUrl::parse(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) reject(url, "no scheme");
  BaseUrl parsed;
  parsed.scheme = lowercase(url.substr(0, scheme_end));
  if (parsed.scheme != "http" && parsed.scheme != "https") reject(url, "the scheme must be http or https");
  const std::string rest = url.substr(scheme_end + 3);
  // Queries, fragments and credentials have no place in a base URL; spaces are typos.
  if (rest.find_first_of("?#@ \t\r\n") != std::string::npos) {
    reject(url, "a query, fragment, user name or space is not allowed");
  }
  const auto path_start = rest.find('/');
  parsed.authority = rest.substr(0, path_start);
  if (parsed.authority.empty()) reject(url, "no host");
  split_authority(url, parsed);
  if (path_start != std::string::npos) parsed.path = rest.substr(path_start);
  while (!parsed.path.empty() && parsed.path.back() == '/') parsed.path.pop_back();
  return parsed;
}

std::string BaseUrl::host_port() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace leadscout::llm::detail

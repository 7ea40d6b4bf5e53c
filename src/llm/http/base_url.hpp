// A provider's base URL taken apart: scheme, host, port and path prefix.
#pragma once

#include <string>

namespace leadscout::llm::detail {

/// http(s)://host[:port][/path], checked. The port defaults to the scheme's (80 or 443).
struct BaseUrl {
  std::string scheme;     ///< "http" or "https"
  std::string authority;  ///< host[:port] as written, for describing the URL
  std::string host;       ///< without brackets for an IPv6 literal
  int port = 0;
  std::string path;  ///< "/v1", or empty; never ends with '/'

  /// Throws leadscout::Error naming `url` when it is not http(s)://host[:port][/path].
  static BaseUrl parse(const std::string& url);

  [[nodiscard]] bool tls() const noexcept { return scheme == "https"; }
  /// "https://api.openai.com/v1"
  [[nodiscard]] std::string describe() const { return scheme + "://" + authority + path; }
  /// "api.openai.com:443", "[::1]:8080"
  [[nodiscard]] std::string host_port() const;
};

}  // namespace leadscout::llm::detail

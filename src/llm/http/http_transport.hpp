// (temporary copy of the transport's interface; replaced by the transport's own header)
#pragma once

#include <chrono>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadscout::llm::detail {

struct HttpResult {
  enum class Error { none, connection, timeout, tls_verification, cancelled, other };
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Error error = Error::none;
  std::string error_text;
};

class HttpTransport {
 public:
  HttpTransport(std::string base_url, std::string ca_file);
  HttpResult post(std::string_view path, const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body, std::chrono::milliseconds timeout, std::stop_token stop) const;
  std::string describe() const;
  std::string host_port() const;
};

}  // namespace leadscout::llm::detail

// HTTP(S) to one provider endpoint: JSON POSTs bounded by a timeout, interrupted by a stop token,
// with TLS certificates always verified.
#pragma once

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/base_url.hpp"

namespace leadscout::llm::detail {

/// What one POST gave: a response (any status), or why none came.
struct HttpResult {
  enum class Error { none, connection, timeout, tls_verification, cancelled, other };
  int status = 0;  ///< 0 when no response came
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Error error = Error::none;
  /// Why no response came, naming host:port; for tls_verification also OpenSSL's reason, e.g.
  /// "TLS certificate of 127.0.0.1:8443 did not verify: self-signed certificate in certificate chain"
  std::string error_text;
};

/// One endpoint's HTTP(S) client, shared by the worker threads: each thread gets its own
/// connection (kept alive between calls), so a stop closes exactly the socket of the call it
/// interrupts.
class HttpTransport {
 public:
  /// Throws leadscout::Error for a base URL that is not http(s)://host[:port][/path], and for a
  /// ca_file that cannot be read or holds no certificate (naming the file). With a ca_file, only
  /// its certificates are trusted; empty: the system's CA store, honouring SSL_CERT_FILE and
  /// SSL_CERT_DIR.
  HttpTransport(std::string base_url, std::string ca_file);
  ~HttpTransport();
  HttpTransport(HttpTransport&&) noexcept;
  HttpTransport& operator=(HttpTransport&&) noexcept;
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  /// POSTs `body` (application/json) to the base path + `path` with `headers`. `timeout` bounds
  /// connecting and each read and write (zero or less: Error::timeout, nothing sent). `stop`
  /// interrupts the call at once and closes its socket; a stop requested before the connection
  /// opens sends nothing. A response that arrived whole is returned even if a stop came later.
  [[nodiscard]] HttpResult post(std::string_view path, const std::vector<std::pair<std::string, std::string>>& headers,
                                const std::string& body, std::chrono::milliseconds timeout,
                                std::stop_token stop) const;

  /// "https://api.openai.com/v1": never a key.
  [[nodiscard]] std::string describe() const { return url_.describe(); }
  /// "api.openai.com:443"
  [[nodiscard]] std::string host_port() const { return url_.host_port(); }

 private:
  struct Connections;  ///< the worker threads' clients

  BaseUrl url_;
  std::string ca_file_;
  std::unique_ptr<Connections> connections_;
};

}  // namespace leadscout::llm::detail

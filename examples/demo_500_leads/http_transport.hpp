// The LLM transport over HTTP and HTTPS (cpp-httplib, OpenSSL with the system's CA bundle).
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "llm_transport.hpp"

namespace httplib {
class Client;
}

namespace demo {

/// A base URL that cannot be used: not http(s)://host[:port][/path].
class UrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// POSTs to {base_url}/chat/completions (OpenAI) or {base_url}/messages (Anthropic) with the
/// key in the API's header. Each worker thread keeps its own connection.
class HttpTransport final : public LlmTransport {
 public:
  /// `timeout` bounds connecting and each read or write; a stop token ends a call sooner.
  /// Throws UrlError for a bad `base_url`.
  HttpTransport(std::string base_url, std::string api_key, std::chrono::milliseconds timeout);

  [[nodiscard]] HttpReply post(LlmApi api, const std::string& body, std::stop_token stop) const override;
  [[nodiscard]] std::string describe() const override { return scheme_host_port_ + path_prefix_; }

 private:
  [[nodiscard]] httplib::Client& client() const;

  std::string scheme_host_port_;  ///< "https://api.openai.com"
  std::string path_prefix_;       ///< "/v1", or empty
  std::string api_key_;           ///< sent, never logged
  std::chrono::milliseconds timeout_;
  std::uint64_t id_;  ///< names this transport's per-thread connection
};

}  // namespace demo

// How a request reaches a provider: over HTTP(S), or to the simulated provider in this process.
// The client code above it (llm_call.hpp) is the same for both.
#pragma once

#include <stop_token>
#include <string>

#include "llm_api.hpp"

namespace demo {

/// What came back for one request.
struct HttpReply {
  int status = 0;  ///< the HTTP status; 0 when no response came (connection refused, reset, timed out)
  HeaderList headers;
  std::string body;
  std::string error;       ///< status 0: what went wrong
  bool cancelled = false;  ///< the stop token ended the call (its socket is closed)
};

/// Sends chat requests of one API to one provider. Implementations are thread-safe (const).
class LlmTransport {
 public:
  virtual ~LlmTransport() = default;
  /// POSTs `body` to the API's chat endpoint and waits for the reply, or until `stop` is
  /// requested, which interrupts the request in flight.
  [[nodiscard]] virtual HttpReply post(LlmApi api, const std::string& body, std::stop_token stop) const = 0;
  /// Where requests go, for the logs ("https://api.openai.com/v1", "in-process"); never the key.
  [[nodiscard]] virtual std::string describe() const = 0;
};

}  // namespace demo

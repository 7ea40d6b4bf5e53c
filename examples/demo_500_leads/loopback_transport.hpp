// The LLM transport to the simulated provider in this process: the provider stub's service,
// called without HTTP, so that the in-process demo meets the same limits, headers and bodies.
#pragma once

#include "llm_transport.hpp"

namespace leadscout::llm_stub {
class StubService;
}

namespace demo {

/// Hands each request to a StubService under one API key.
class LoopbackTransport final : public LlmTransport {
 public:
  /// `service` must outlive the transport.
  explicit LoopbackTransport(leadscout::llm_stub::StubService& service) : service_(service) {}

  [[nodiscard]] HttpReply post(LlmApi api, const std::string& body, std::stop_token stop) const override;
  [[nodiscard]] std::string describe() const override { return "in-process"; }

 private:
  leadscout::llm_stub::StubService& service_;
};

}  // namespace demo

// The demo's providers from its command line: the simulated one in this process (the provider
// stub's service), or a real one over HTTP with its key from the environment; and their quotas.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli.hpp"
#include "leadscout/batch/quota.hpp"
#include "llm_call.hpp"

namespace leadscout::llm_stub {
class StubService;
}

namespace demo {

/// A provider setting that cannot work (a bad URL); the demo exits 2 with its message.
class SetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The providers of a run, in fallback order, and what they need to live.
struct LlmSetup {
  LlmSetup();
  ~LlmSetup();
  LlmSetup(LlmSetup&&) noexcept;
  LlmSetup& operator=(LlmSetup&&) noexcept;

  std::vector<LlmEndpoint> endpoints;
  bool simulated = true;      ///< in this process, no network
  std::string where;          ///< "in-process" or the base URL
  bool key_missing = false;   ///< over HTTP without the API's key variable
  bool price_unknown = false; ///< a model outside the price table, without --price-in/--price-out
  std::unique_ptr<leadscout::llm_stub::StubService> service;  ///< the simulated provider
  std::vector<std::unique_ptr<LlmTransport>> transports;
};

/// The providers `o` asks for. Throws SetupError for a bad --llm-url.
[[nodiscard]] LlmSetup make_llm_setup(const DemoOptions& o);

/// One quota per provider, named after it, from --rpm, --tpm, --budget-usd and --adaptive
/// (LEADSCOUT_QUOTA_<NAME> overrides them in the library).
[[nodiscard]] std::vector<leadscout::batch::Quota> make_quotas(const DemoOptions& o, const LlmSetup& setup);

}  // namespace demo

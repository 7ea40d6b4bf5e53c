// The LLM step of the classification: one provider call under the provider's quota, and the
// fallback over providers. The code a user copies to call a provider from a batch callback.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "classifier.hpp"
#include "leadscout/batch/context.hpp"
#include "leadscout/batch/outcome.hpp"
#include "leadscout/batch/quota.hpp"
#include "leadscout/log/logger.hpp"
#include "llm_api.hpp"
#include "llm_transport.hpp"

namespace demo {

/// One provider as the classifier calls it.
struct LlmEndpoint {
  std::string provider;  ///< "openai", "anthropic": also the name of its quota
  LlmApi api = LlmApi::openai;
  std::string model;
  Price price;
  const LlmTransport* transport = nullptr;  ///< must outlive the calls
};

/// What the LLM step came to for one attempt.
struct LlmOutcome {
  std::optional<Classification> result;
  leadscout::batch::Failure failure;  ///< when there is no result
  int calls = 0;
  std::int64_t tokens = 0;
  double cost_usd = 0.0;
};

/// Asks the endpoints in order for `name`'s origin, each call under a permit of the endpoint's
/// quota. A server or connection error moves on to the next endpoint; a 429, a rejected key, a
/// bad request, an unparsable answer or a stop ends the attempt with its failure. Every call is
/// one "LLM call" event on `api` (DEBUG when it answered, WARNING otherwise).
[[nodiscard]] LlmOutcome classify_with_llm(const std::vector<LlmEndpoint>& endpoints, std::string_view name,
                                           leadscout::batch::Context& ctx,
                                           const leadscout::log::Logger& classification,
                                           const leadscout::log::Logger& api);

}  // namespace demo

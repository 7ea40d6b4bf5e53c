// The classification chain: rule lookup -> phonetic match -> LLM fallback (openai, then anthropic).
#pragma once

#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/log/logger.hpp"
#include "simulated_llm.hpp"

namespace demo {

/// A lead's classification: the results file has one row per lead with these fields.
struct Classification {
  std::string name;
  std::string label;        ///< name origin: african, afrikaans, english, indian, portuguese
  double confidence = 0.0;  ///< 0..1
  std::string method;       ///< rule, phonetic or llm
  std::string provider;     ///< the LLM provider for method llm, empty otherwise
};

void to_json(nlohmann::json& j, const Classification& c);
void from_json(const nlohmann::json& j, Classification& c);

/// What one classification attempt did: a result, or why it failed; plus LLM usage.
struct ClassifyOutcome {
  std::optional<Classification> result;
  std::string failure;  ///< "llm_unavailable" or "cancelled" when result is empty
  int llm_calls = 0;
  int llm_tokens = 0;
  double llm_cost_usd = 0.0;
};

/// Runs the chain. Thread-safe (const); the LLM providers must outlive it.
class Classifier {
 public:
  /// `llms` in fallback order.
  explicit Classifier(std::vector<const SimulatedLlm*> llms);

  /// Classifies `name`. Every step is logged at DEBUG to `classification`, every LLM call to
  /// `api` (DEBUG when ok, WARNING otherwise). `attempt` (1-based) varies the simulated LLM's
  /// behaviour between retries; `stop` cancels a waiting LLM call.
  [[nodiscard]] ClassifyOutcome classify(std::string_view name, int attempt, std::stop_token stop,
                                         const leadscout::log::Logger& classification,
                                         const leadscout::log::Logger& api) const;

  /// The name's parts that can carry an origin: upper case, company words ("LOGISTICS", "CC") removed.
  [[nodiscard]] static std::vector<std::string> name_parts(std::string_view name);

 private:
  struct Entry {
    std::string text;
    std::string origin;
    std::string soundex;
    std::string metaphone;
  };
  [[nodiscard]] std::optional<Classification> by_rule(std::string_view name, const std::vector<std::string>& parts,
                                                      const leadscout::log::Logger& log) const;
  [[nodiscard]] std::optional<Classification> by_phonetic(std::string_view name,
                                                          const std::vector<std::string>& parts,
                                                          const leadscout::log::Logger& log) const;

  std::vector<const SimulatedLlm*> llms_;
  std::vector<Entry> dictionary_;
};

}  // namespace demo

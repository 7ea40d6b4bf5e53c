// The local classification steps: rule lookup, then phonetic match. Names neither knows go to
// the LLM (llm_call.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/log/logger.hpp"

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

/// Rule lookup and phonetic match over the name dictionary. Thread-safe (const).
class Classifier {
 public:
  Classifier();

  /// Classifies `name` by rule, else by phonetic match; nullopt when neither knows it. Every
  /// step is logged at DEBUG to `classification`.
  [[nodiscard]] std::optional<Classification> classify(std::string_view name,
                                                       const leadscout::log::Logger& classification) const;

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

  std::vector<Entry> dictionary_;
};

}  // namespace demo

// Rule lookup and phonetic match.
#include "classifier.hpp"

#include <cctype>
#include <cmath>

#include "leadscout/log.hpp"
#include "name_data.hpp"
#include "phonetic.hpp"

namespace demo {

namespace ll = leadscout::log;

void to_json(nlohmann::json& j, const Classification& c) {
  j = nlohmann::json{{"name", c.name},
                     {"label", c.label},
                     {"confidence", c.confidence},
                     {"method", c.method},
                     {"provider", c.provider}};
}

void from_json(const nlohmann::json& j, Classification& c) {
  j.at("name").get_to(c.name);
  j.at("label").get_to(c.label);
  j.at("confidence").get_to(c.confidence);
  j.at("method").get_to(c.method);
  j.at("provider").get_to(c.provider);
}

Classifier::Classifier() {
  for (const NamePart& part : rule_dictionary()) {
    dictionary_.push_back(
        Entry{std::string(part.text), std::string(part.origin), soundex(part.text), metaphone(part.text)});
  }
}

std::vector<std::string> Classifier::name_parts(std::string_view name) {
  std::vector<std::string> parts;
  std::string w;
  const auto flush = [&] {
    if (!w.empty() && !is_company_word(w)) parts.push_back(w);
    w.clear();
  };
  for (const char c : name) {
    if (c == ' ' || c == '\t' || c == '-' || c == ',') {
      flush();
    } else {
      w += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  flush();
  return parts;
}

std::optional<Classification> Classifier::by_rule(std::string_view name, const std::vector<std::string>& parts,
                                                  const ll::Logger& log) const {
  LEADSCOUT_DEBUG(log, "Rule classification attempt", {{"name", name}, {"parts", parts}});
  const Entry* last = nullptr;
  std::string first_label;
  bool agree = true;
  std::size_t matched = 0;
  for (const std::string& part : parts) {
    for (const Entry& e : dictionary_) {
      if (e.text != part) continue;
      ++matched;
      if (first_label.empty()) first_label = e.origin;
      agree = agree && e.origin == first_label;
      last = &e;
      LEADSCOUT_DEBUG(log, "Rule part classified", {{"name", name}, {"part", part}, {"label", e.origin}});
    }
  }
  if (last == nullptr) {
    LEADSCOUT_DEBUG(log, "Rule failed",
                    {{"name", name}, {"reason", parts.empty() ? "no_name_parts" : "no_individual_parts_classified"}});
    return std::nullopt;
  }
  // The last classified part wins (the surname of a person); disagreement lowers confidence.
  const double confidence = agree ? (matched == parts.size() ? 0.95 : 0.9) : 0.7;
  LEADSCOUT_DEBUG(log, "Rule matched", {{"name", name},
                                       {"method", "rule"},
                                       {"matched_part", last->text},
                                       {"result", last->origin},
                                       {"confidence", confidence},
                                       {"parts_agree", agree}});
  return Classification{std::string(name), last->origin, confidence, "rule", ""};
}

std::optional<Classification> Classifier::by_phonetic(std::string_view name, const std::vector<std::string>& parts,
                                                      const ll::Logger& log) const {
  LEADSCOUT_DEBUG(log, "Phonetic match attempt",
                  {{"name", name}, {"algorithms", std::vector<std::string_view>{"soundex", "metaphone"}}});
  std::optional<Classification> found;
  for (const std::string& part : parts) {
    const std::string sx = soundex(part);
    const std::string mp = metaphone(part);
    for (const Entry& e : dictionary_) {
      // Metaphone must agree (Soundex alone is too coarse); Soundex agreeing too raises confidence.
      if (mp.empty() || mp != e.metaphone) continue;
      const bool both = sx == e.soundex;
      const double confidence = both ? 0.85 : 0.75;
      LEADSCOUT_DEBUG(log, "Phonetic match found", {{"name", name},
                                                    {"method", "phonetic"},
                                                    {"part", part},
                                                    {"matched_part", e.text},
                                                    {"soundex", sx},
                                                    {"metaphone", mp},
                                                    {"soundex_agrees", both},
                                                    {"result", e.origin},
                                                    {"confidence", confidence}});
      found = Classification{std::string(name), e.origin, confidence, "phonetic", ""};  // the last part wins
      break;
    }
  }
  if (!found) LEADSCOUT_DEBUG(log, "Phonetic failed", {{"name", name}, {"reason", "no_matches_found"}});
  return found;
}

std::optional<Classification> Classifier::classify(std::string_view name, const ll::Logger& classification) const {
  const std::vector<std::string> parts = name_parts(name);
  if (auto c = by_rule(name, parts, classification)) return c;
  return by_phonetic(name, parts, classification);
}

}  // namespace demo

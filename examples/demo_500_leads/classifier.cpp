// The classification chain.
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

Classifier::Classifier(std::vector<const SimulatedLlm*> llms) : llms_(std::move(llms)) {
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

ClassifyOutcome Classifier::classify(std::string_view name, int attempt, std::stop_token stop,
                                     const ll::Logger& classification, const ll::Logger& api) const {
  ClassifyOutcome out;
  const std::vector<std::string> parts = name_parts(name);
  if ((out.result = by_rule(name, parts, classification))) return out;
  if ((out.result = by_phonetic(name, parts, classification))) return out;
  for (const SimulatedLlm* llm : llms_) {
    const Provider& p = llm->provider();
    LEADSCOUT_DEBUG(classification, "LLM fallback triggered", {{"name", name}, {"provider", p.name}, {"model", p.model}});
    const CallResult r = llm->call(name, attempt, stop);
    ++out.llm_calls;
    const double latency_ms = std::round(r.latency_ms * 10.0) / 10.0;
    const bool ok = r.outcome == CallResult::Outcome::ok;
    const int tokens = ok ? r.plan.prompt_tokens + r.plan.completion_tokens : 0;
    const double cost = ok ? r.plan.cost_usd : 0.0;
    out.llm_tokens += tokens;
    out.llm_cost_usd += cost;
    if (ok) {
      LEADSCOUT_DEBUG(api, "LLM call", {{"provider", p.name},
                                       {"model", p.model},
                                       {"name", name},
                                       {"prompt_tokens", r.plan.prompt_tokens},
                                       {"completion_tokens", r.plan.completion_tokens},
                                       {"tokens", tokens},
                                       {"cost_usd", cost},
                                       {"latency_ms", latency_ms},
                                       {"outcome", to_string(r.outcome)}});
    } else {
      api.warning("LLM call", {{"provider", p.name},
                               {"model", p.model},
                               {"name", name},
                               {"tokens", 0},
                               {"cost_usd", 0.0},
                               {"latency_ms", latency_ms},
                               {"outcome", to_string(r.outcome)},
                               {"error", r.outcome == CallResult::Outcome::error
                                             ? std::string_view(r.plan.error)
                                             : std::string_view("stop requested (timeout or shutdown)")}});
    }
    if (ok) {
      LEADSCOUT_DEBUG(classification, "LLM response", {{"name", name},
                                                      {"method", "llm"},
                                                      {"provider", p.name},
                                                      {"result", r.plan.label},
                                                      {"confidence", r.plan.confidence},
                                                      {"tokens", tokens},
                                                      {"cost_usd", cost}});
      out.result = Classification{std::string(name), r.plan.label, r.plan.confidence, "llm", p.name};
      return out;
    }
    if (r.outcome == CallResult::Outcome::cancelled) {
      LEADSCOUT_DEBUG(classification, "LLM cancelled", {{"name", name}, {"provider", p.name}});
      out.failure = "cancelled";
      return out;
    }
    LEADSCOUT_DEBUG(classification, "LLM failed", {{"name", name}, {"provider", p.name}, {"reason", r.plan.error}});
  }
  out.failure = "llm_unavailable";
  return out;
}

}  // namespace demo

// Helpers shared by the llm tests: a label result, the label schema, a run through a Client.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include <leadscout/batch.hpp>
#include <leadscout/llm.hpp>

#include "batch/batch_test_utils.hpp"

namespace leadscout::test::llm {

namespace lb = leadscout::batch;
namespace lm = leadscout::llm;
using leadscout::test::batch::Item;

struct Label {
  std::string label;
  double confidence = 0;
};
inline void to_json(nlohmann::json& j, const Label& l) { j = nlohmann::json{{"label", l.label}, {"confidence", l.confidence}}; }
inline void from_json(const nlohmann::json& j, Label& l) {
  j.at("label").get_to(l.label);
  j.at("confidence").get_to(l.confidence);
}

inline const std::string kLabelSchema =
    R"({"type":"object","properties":{"label":{"type":"string"},"confidence":{"type":"number"}},)"
    R"("required":["label","confidence"],"additionalProperties":false})";

/// The issue's callback: one question per item, the answer read from the checked JSON.
inline auto classify_with(lm::Client& client) {
  return [&client](const Item& item, lb::Context& ctx) -> lb::Outcome<Label> {
    lm::Reply reply = client.complete(ctx, lm::Request{.system = "Classify the name. Answer in JSON.",
                                                       .user = item.id,
                                                       .schema = kLabelSchema,
                                                       .max_tokens = 64});
    if (!reply.ok()) return reply.failure();
    return Label{reply.json().at("label").get<std::string>(), reply.json().at("confidence").get<double>()};
  };
}

}  // namespace leadscout::test::llm

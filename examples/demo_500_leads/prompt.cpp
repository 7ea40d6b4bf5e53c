// The labels are an enum of the schema, so a strict provider can only answer one of them.
#include "prompt.hpp"

namespace demo {

namespace {

constexpr std::string_view kSystemPrompt =
    "You classify the origin of South-African business and person names. Answer with JSON only: "
    R"({"label": one of "african", "afrikaans", "english", "indian", "portuguese", "confidence": 0 to 1}.)";

constexpr std::string_view kLabelSchema = R"({
  "type": "object",
  "properties": {
    "label": {"type": "string", "enum": ["african", "afrikaans", "english", "indian", "portuguese"]},
    "confidence": {"type": "number", "minimum": 0, "maximum": 1}
  },
  "required": ["label", "confidence"],
  "additionalProperties": false
})";

}  // namespace

leadscout::llm::Request origin_request(std::string_view name) {
  return leadscout::llm::Request{.system = std::string(kSystemPrompt),
                                 .user = "Classify this lead.\nName: " + std::string(name),
                                 .schema = std::string(kLabelSchema),
                                 .max_tokens = 64};
}

Answer read_answer(const nlohmann::json& answer) {
  return Answer{answer.at("label").get<std::string>(), answer.at("confidence").get<double>()};
}

}  // namespace demo

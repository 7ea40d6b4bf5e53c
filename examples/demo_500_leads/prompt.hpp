// What the demo asks a model: the prompt, and the JSON Schema its answer must follow.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "leadscout/llm/client.hpp"

namespace demo {

/// The question about `name`'s origin, answered as {"label", "confidence"}.
[[nodiscard]] leadscout::llm::Request origin_request(std::string_view name);

/// The label and confidence of a checked answer.
struct Answer {
  std::string label;
  double confidence = 0.0;
};

/// Reads an answer that passed the label schema.
[[nodiscard]] Answer read_answer(const nlohmann::json& answer);

}  // namespace demo

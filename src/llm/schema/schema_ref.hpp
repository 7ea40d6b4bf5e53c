// $ref values within one document: a URI fragment holding a JSON pointer ("#/$defs/node").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace leadscout::llm::json_schema {

/// The pointer a $ref names: "#" is the root, "#/a~1b/%25" the member "a/b" then "%". Empty
/// for a ref outside the document or a fragment that is not a JSON pointer.
[[nodiscard]] std::optional<nlohmann::json::json_pointer> ref_target(std::string_view ref);

/// The value at `pointer` in `document`, or null when there is none.
[[nodiscard]] const nlohmann::json* find_pointer(const nlohmann::json& document,
                                                 const nlohmann::json::json_pointer& pointer);

}  // namespace leadscout::llm::json_schema

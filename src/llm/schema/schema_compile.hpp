// Turns a JSON Schema document into the nodes the checker walks, rejecting what it cannot check.
#pragma once

#include <nlohmann/json.hpp>

#include "schema/schema_node.hpp"

namespace leadscout::llm::json_schema {

/// Compiles `document`. Throws leadscout::Error naming a keyword outside the supported subset,
/// a malformed keyword value or a $ref that does not resolve, each with its JSON pointer.
[[nodiscard]] CompiledSchema compile(const nlohmann::json& document);

/// The pointer as shown in messages: the root, whose pointer is empty, as "/".
[[nodiscard]] std::string shown_pointer(const std::string& pointer);

}  // namespace leadscout::llm::json_schema

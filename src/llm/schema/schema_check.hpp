// Checks a JSON value against a compiled schema, reporting the first violation.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "schema/schema_node.hpp"

namespace leadscout::llm::json_schema {

/// True when `value` satisfies `schema`. Otherwise false, and when `error` is not null it holds
/// the first violation: the value's JSON pointer, a colon, and what is wrong.
[[nodiscard]] bool check(const CompiledSchema& schema, const nlohmann::json& value,
                         std::string* error);

}  // namespace leadscout::llm::json_schema

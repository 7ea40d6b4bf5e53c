// The library's own view of a Schema and of an answer's JSON, in its own nlohmann::json: the
// public API passes JSON as text so that a program may configure nlohmann differently.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "leadscout/llm/schema.hpp"

namespace leadscout::llm::detail {

struct SchemaAccess {
  /// Empty when `value` satisfies `schema`, else the first violation.
  [[nodiscard]] static std::string check(const Schema& schema, const nlohmann::json& value);
  /// The schema as parsed.
  [[nodiscard]] static const nlohmann::json& source(const Schema& schema) noexcept;
};

/// The JSON value an answer carries (see extract_json_text()); null when none.
[[nodiscard]] nlohmann::json extract_json_value(std::string_view text);

}  // namespace leadscout::llm::detail

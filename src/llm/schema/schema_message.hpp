// The wording of violations: short, since each is sent back to the model when it is re-asked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace leadscout::llm::json_schema {

/// "a string", "an integer or null": the types of a node's type mask.
[[nodiscard]] std::string type_names(std::uint8_t types);
/// The type of a value, as "a string", "an integer", "a number", "null".
[[nodiscard]] std::string type_name(const nlohmann::json& value);
/// The value as compact JSON, cut to a readable length.
[[nodiscard]] std::string shown_value(const nlohmann::json& value);
/// A bound: whole numbers without a fraction ("10", not "10.0").
[[nodiscard]] std::string shown_number(double number);
/// "1 item", "3 items".
[[nodiscard]] std::string counted(std::size_t count, const char* noun);

}  // namespace leadscout::llm::json_schema

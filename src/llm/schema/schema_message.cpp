// The wording of violations.
#include "schema/schema_message.hpp"

#include <array>
#include <cmath>
#include <utility>

#include "schema/schema_node.hpp"

namespace leadscout::llm::json_schema {
namespace {

constexpr std::size_t max_shown = 120;

constexpr std::array<std::pair<std::uint8_t, const char*>, 7> type_words{{
    {boolean_type, "a boolean"},
    {integer_type, "an integer"},
    {number_type, "a number"},
    {string_type, "a string"},
    {array_type, "an array"},
    {object_type, "an object"},
    {null_type, "null"},  // last: "a string or null" reads as a nullable string
}};

}  // namespace

std::string type_names(std::uint8_t types) {
  std::string out;
  for (const auto& [bit, word] : type_words) {
    if ((types & bit) == 0) continue;
    if (!out.empty()) out += " or ";
    out += word;
  }
  return out;
}

std::string type_name(const nlohmann::json& value) {
  if (value.is_number_float()) {
    const double number = value.get<double>();
    return std::isfinite(number) && std::trunc(number) == number ? "an integer" : "a number";
  }
  if (value.is_number()) return "an integer";
  for (const auto& [bit, word] : type_words) {
    const bool matches =
        (bit == null_type && value.is_null()) || (bit == boolean_type && value.is_boolean()) ||
        (bit == string_type && value.is_string()) || (bit == array_type && value.is_array()) ||
        (bit == object_type && value.is_object());
    if (matches) return word;
  }
  return "an unknown value";
}

std::string shown_value(const nlohmann::json& value) {
  // An answer may hold invalid UTF-8; dump() would throw on it.
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > max_shown) {
    text.resize(max_shown);
    // Cut at a character boundary so the message stays valid UTF-8.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0U) == 0x80U)
      text.pop_back();
    if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80U) != 0) text.pop_back();
    text += "...";
  }
  return text;
}

std::string shown_number(double number) {
  if (std::isfinite(number) && std::trunc(number) == number && std::fabs(number) < 1e15)
    return std::to_string(static_cast<long long>(number));
  return nlohmann::json(number).dump();
}

std::string counted(std::size_t count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

}  // namespace leadscout::llm::json_schema

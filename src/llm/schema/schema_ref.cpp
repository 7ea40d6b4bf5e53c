// $ref values within one document: percent-decoding, then the JSON pointer.
#include "schema/schema_ref.hpp"

#include <string>

namespace leadscout::llm::json_schema {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A URI fragment escapes characters as %XX before the pointer's own ~0 and ~1 apply.
std::optional<std::string> percent_decoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_digit(text[i + 1]);
    const int low = hex_digit(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace

std::optional<nlohmann::json::json_pointer> ref_target(std::string_view ref) {
  if (ref.empty() || ref.front() != '#') return std::nullopt;
  const std::optional<std::string> fragment = percent_decoded(ref.substr(1));
  if (!fragment || (!fragment->empty() && fragment->front() != '/')) return std::nullopt;
  try {
    return nlohmann::json::json_pointer(*fragment);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

const nlohmann::json* find_pointer(const nlohmann::json& document,
                                   const nlohmann::json::json_pointer& pointer) {
  try {
    return &document.at(pointer);
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

}  // namespace leadscout::llm::json_schema

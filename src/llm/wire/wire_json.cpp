// Field readers shared by the OpenAI and Anthropic shapes.
#include "wire_json.hpp"

namespace leadscout::llm::wire::detail {

namespace {

/// The text of one content part, or nullopt for a part without text.
std::optional<std::string> part_text(const json& part) {
  if (!part.is_object()) return std::nullopt;
  const std::string type = string_field(part, "type");
  if (type == "text") {
    const auto it = part.find("text");
    if (it != part.end() && it->is_string()) return it->get<std::string>();
    return std::nullopt;
  }
  if (type == "tool_result") {
    const auto it = part.find("content");
    return it == part.end() ? std::nullopt : content_text(*it);
  }
  if (type == "tool_use") {
    const auto it = part.find("input");
    if (it != part.end()) return it->dump();
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> content_text(const json& content) {
  if (content.is_null()) return std::string();
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return std::nullopt;
  std::string text;
  bool first = true;
  for (const json& part : content) {
    if (!part.is_object()) return std::nullopt;
    const auto piece = part_text(part);
    if (!piece) continue;
    if (!first) text += '\n';
    text += *piece;
    first = false;
  }
  return text;
}

std::string string_field(const json& object, std::string_view field) {
  const auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t int_field(const json& object, std::string_view field) {
  const auto it = object.find(field);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

const json* present(const json& object, std::string_view field) {
  const auto it = object.find(field);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

bool optional_token_limit(const json& object, std::string_view field, std::optional<std::int64_t>& out,
                          std::string& error) {
  const json* value = present(object, field);
  if (value == nullptr) return true;
  if (!value->is_number_integer() || value->get<std::int64_t>() < 1) {
    error = std::string(field) + ": an integer of at least 1 is required";
    return false;
  }
  out = value->get<std::int64_t>();
  return true;
}

bool optional_number(const json& object, std::string_view field, double& out, std::string& error) {
  const json* value = present(object, field);
  if (value == nullptr) return true;
  if (!value->is_number()) {
    error = std::string(field) + ": a number is required";
    return false;
  }
  out = value->get<double>();
  return true;
}

bool read_model(const json& request, std::string& out, std::string& error) {
  out = string_field(request, "model");
  if (out.empty()) error = "model: a non-empty string is required";
  return !out.empty();
}

std::optional<std::vector<std::pair<std::string, std::string>>> read_turns(const json& request,
                                                                            std::string_view content_kind,
                                                                            std::string& error) {
  const json* messages = present(request, "messages");
  if (messages == nullptr || !messages->is_array() || messages->empty()) {
    error = "messages: a non-empty array is required";
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> turns;
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    std::string role = m.is_object() ? string_field(m, "role") : std::string();
    if (role.empty()) {
      error = where + ".role: a string is required";
      return std::nullopt;
    }
    auto text = content_text(m.value("content", json()));
    if (!text) {
      error = where + ".content: a string or an array of " + std::string(content_kind) + " is required";
      return std::nullopt;
    }
    turns.emplace_back(std::move(role), std::move(*text));
  }
  return turns;
}

}  // namespace leadscout::llm::wire::detail

// Helpers shared by the stub's tests: request bodies and reading the model's answer.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace leadscout::test {

/// A Chat Completions request body asking about `name`.
inline std::string openai_request(std::string_view name, std::string_view model = "gpt-4o-mini") {
  return nlohmann::json{{"model", model},
                        {"messages",
                         {{{"role", "system"}, {"content", "You classify the origin of names. Answer JSON."}},
                          {{"role", "user"}, {"content", "Classify this lead.\nName: " + std::string(name)}}}}}
      .dump();
}

/// A Messages request body asking about `name`.
inline std::string anthropic_request(std::string_view name, std::string_view model = "claude-3-haiku") {
  return nlohmann::json{
      {"model", model},
      {"max_tokens", 100},
      {"system", "You classify the origin of names. Answer JSON."},
      {"messages", {{{"role", "user"}, {"content", "Classify this lead.\nName: " + std::string(name)}}}}}
      .dump();
}

/// The JSON Schema of the demo's answer, as structured-output requests send it.
inline nlohmann::json label_schema() {
  return nlohmann::json::parse(R"({"type":"object","properties":{"label":{"type":"string"},
      "confidence":{"type":"number"}},"required":["label","confidence"],"additionalProperties":false})");
}

/// A Chat Completions request about `name` whose answer must follow label_schema().
inline std::string openai_schema_request(std::string_view name) {
  auto body = nlohmann::json::parse(openai_request(name));
  body["response_format"] = {
      {"type", "json_schema"},
      {"json_schema", {{"name", "lead_label"}, {"strict", true}, {"schema", label_schema()}}}};
  return body.dump();
}

/// A Messages request about `name` that forces the tool `tool`, whose input_schema is label_schema().
inline std::string anthropic_tool_request(std::string_view name, std::string_view tool = "record_label") {
  auto body = nlohmann::json::parse(anthropic_request(name));
  body["tools"] = {{{"name", tool}, {"description", "Record the label."}, {"input_schema", label_schema()}}};
  body["tool_choice"] = {{"type", "tool"}, {"name", tool}};
  return body.dump();
}

/// Headers (name, value pairs) as a map, for lookups by name; the last value of a name wins.
template <typename Headers>
std::map<std::string, std::string> header_map(const Headers& headers) {
  std::map<std::string, std::string> m;
  for (const auto& [name, value] : headers) m[name] = value;
  return m;
}

/// The model's text in a 200 body of either API.
inline std::string answer_text_of(const std::string& body) {
  const auto j = nlohmann::json::parse(body);
  if (j.contains("choices")) return j["choices"][0]["message"]["content"].get<std::string>();
  return j["content"][0]["text"].get<std::string>();
}

/// The JSON the model answered, out of its Markdown fence if it has one.
inline nlohmann::json answer_of(const std::string& body) {
  std::string text = answer_text_of(body);
  constexpr std::string_view open = "```json\n";
  constexpr std::string_view close = "\n```";
  if (text.starts_with(open) && text.ends_with(close)) {
    text = text.substr(open.size(), text.size() - open.size() - close.size());
  }
  return nlohmann::json::parse(text);
}

}  // namespace leadscout::test

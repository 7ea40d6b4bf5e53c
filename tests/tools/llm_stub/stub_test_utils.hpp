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

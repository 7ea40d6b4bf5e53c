// The chat APIs' bodies. Only the fields the demo needs are read, so newer fields and other
// OpenAI-compatible servers (vLLM, llama.cpp, Ollama) parse too.
#include "llm_api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <nlohmann/json.hpp>

namespace demo {

namespace {

using json = nlohmann::json;

constexpr std::string_view kSystemPrompt =
    "You classify the origin of South-African business and person names. Answer with JSON only: "
    R"({"label": one of "african", "afrikaans", "english", "indian", "portuguese", "confidence": 0 to 1}.)";

std::string user_prompt(std::string_view name) { return "Classify this lead.\nName: " + std::string(name); }

std::int64_t int_field(const json& object, const char* field) {
  const auto it = object.find(field);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

/// The text between the first '{' and its last '}', where an answer in prose or a fence sits.
std::string_view object_span(std::string_view text) {
  const auto open = text.find('{');
  const auto close = text.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return {};
  return text.substr(open, close - open + 1);
}

}  // namespace

std::string_view to_string(LlmApi api) noexcept { return api == LlmApi::openai ? "openai" : "anthropic"; }

std::optional<LlmApi> parse_llm_api(std::string_view text) noexcept {
  if (text == "openai") return LlmApi::openai;
  if (text == "anthropic") return LlmApi::anthropic;
  return std::nullopt;
}

std::string request_body(LlmApi api, std::string_view model, std::string_view name) {
  const json user = {{"role", "user"}, {"content", user_prompt(name)}};
  if (api == LlmApi::anthropic) {
    return json{{"model", model},
                {"max_tokens", kMaxAnswerTokens},
                {"temperature", 0},
                {"system", kSystemPrompt},
                {"messages", json::array({user})}}
        .dump();
  }
  const json system = {{"role", "system"}, {"content", kSystemPrompt}};
  return json{{"model", model},
              {"max_tokens", kMaxAnswerTokens},
              {"temperature", 0},
              {"messages", json::array({system, user})}}
      .dump();
}

std::int64_t estimate_tokens(std::string_view name) {
  const auto chars = static_cast<std::int64_t>(kSystemPrompt.size() + user_prompt(name).size());
  return (chars + 3) / 4 + kMaxAnswerTokens;
}

std::optional<Completion> parse_completion(LlmApi api, std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  Completion c;
  const json usage = j.value("usage", json::object());
  if (!usage.is_object()) return std::nullopt;
  if (api == LlmApi::openai) {
    const auto choices = j.find("choices");
    if (choices == j.end() || !choices->is_array() || choices->empty()) return std::nullopt;
    const json& message = (*choices)[0].value("message", json::object());
    if (!message.is_object() || !message.contains("content") || !message["content"].is_string()) return std::nullopt;
    c.text = message["content"].get<std::string>();
    c.prompt_tokens = int_field(usage, "prompt_tokens");
    c.completion_tokens = int_field(usage, "completion_tokens");
    return c;
  }
  const auto content = j.find("content");
  if (content == j.end() || !content->is_array()) return std::nullopt;
  bool found = false;
  for (const json& block : *content) {
    if (!block.is_object() || block.value("type", "") != "text" || !block.contains("text")) continue;
    if (!block["text"].is_string()) continue;
    c.text += block["text"].get<std::string>();
    found = true;
  }
  if (!found) return std::nullopt;
  c.prompt_tokens = int_field(usage, "input_tokens");
  c.completion_tokens = int_field(usage, "output_tokens");
  return c;
}

std::string error_message(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (const auto e = j.find("error"); e != j.end() && e->is_object()) {
      if (const auto m = e->find("message"); m != e->end() && m->is_string()) return m->get<std::string>();
    }
  }
  return std::string(body.substr(0, 200));
}

std::optional<Answer> parse_answer(std::string_view text) {
  const std::string_view span = object_span(text);
  if (span.empty()) return std::nullopt;
  const json j = json::parse(span, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  const auto label = j.find("label");
  const auto confidence = j.find("confidence");
  if (label == j.end() || !label->is_string() || confidence == j.end() || !confidence->is_number()) {
    return std::nullopt;
  }
  Answer a{label->get<std::string>(), confidence->get<double>()};
  std::transform(a.label.begin(), a.label.end(), a.label.begin(),
                 [](char ch) { return static_cast<char>(std::tolower(static_cast<unsigned char>(ch))); });
  if (a.label.empty() || !(a.confidence >= 0.0 && a.confidence <= 1.0)) return std::nullopt;
  return a;
}

const std::vector<PriceRow>& price_table() {
  // US dollars per million input and output tokens, from the providers' price pages.
  static const std::vector<PriceRow> table = {
      {"gpt-4o-mini", {0.15, 0.60}},        {"gpt-4o", {2.50, 10.00}},
      {"gpt-4.1-nano", {0.10, 0.40}},       {"gpt-4.1-mini", {0.40, 1.60}},
      {"gpt-4.1", {2.00, 8.00}},            {"claude-3-haiku", {0.25, 1.25}},
      {"claude-3-5-haiku", {0.80, 4.00}},   {"claude-haiku-4-5", {1.00, 5.00}},
      {"claude-3-5-sonnet", {3.00, 15.00}}, {"claude-3-7-sonnet", {3.00, 15.00}},
      {"claude-sonnet-4", {3.00, 15.00}},   {"claude-opus-4", {15.00, 75.00}},
  };
  return table;
}

std::optional<Price> builtin_price(std::string_view model) noexcept {
  const PriceRow* best = nullptr;
  for (const PriceRow& row : price_table()) {
    if (model.starts_with(row.model_prefix) && (best == nullptr || row.model_prefix.size() > best->model_prefix.size())) {
      best = &row;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->price;
}

std::optional<double> retry_after_seconds(const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "retry-after")) continue;
    double seconds = 0.0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
    if (ec == std::errc() && ptr == end && seconds >= 0.0) return seconds;
    return value.empty() ? std::nullopt : std::optional<double>(1.0);  // an HTTP date
  }
  return std::nullopt;
}

}  // namespace demo

// Request parsing. Anthropic requires max_tokens and OpenAI does not, as the real APIs do.
#include "protocol.hpp"

#include <nlohmann/json.hpp>

namespace leadscout::llm_stub {

namespace {

using nlohmann::json;

std::string_view trim(std::string_view s) noexcept {
  constexpr std::string_view space = " \t\r\n";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(space);
  return s.substr(first, last - first + 1);
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

/// The text of a message content: a string, or the text parts of an array, one per line.
std::string content_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (!content.is_array()) return text;
  for (const json& part : content) {
    if (!part.is_object() || part.value("type", "") != "text") continue;
    const auto it = part.find("text");
    if (it == part.end() || !it->is_string()) continue;
    if (!text.empty()) text += '\n';
    text += it->get<std::string>();
  }
  return text;
}

/// Characters of every message and of the system prompt: the basis of the token estimate.
std::size_t prompt_chars(const json& request) {
  std::size_t chars = 0;
  if (const auto it = request.find("system"); it != request.end()) chars += content_text(*it).size();
  for (const json& message : request["messages"]) {
    if (const auto it = message.find("content"); it != message.end()) chars += content_text(*it).size();
  }
  return chars;
}

/// OpenAI's newer max_completion_tokens wins over its older max_tokens.
std::optional<std::int64_t> max_tokens(Api api, const json& request) {
  const auto read = [&request](const char* field) -> std::optional<std::int64_t> {
    const auto it = request.find(field);
    if (it == request.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<std::int64_t>();
  };
  if (api == Api::openai) {
    if (const auto limit = read("max_completion_tokens")) return limit;
  }
  return read("max_tokens");
}

ParsedRequest invalid(std::string message) { return {std::nullopt, std::move(message)}; }

}  // namespace

std::string_view to_string(Api api) noexcept { return api == Api::openai ? "openai" : "anthropic"; }

std::optional<std::string> api_key(std::string_view x_api_key, std::string_view authorization) {
  if (const auto key = trim(x_api_key); !key.empty()) return std::string(key);
  const auto auth = trim(authorization);
  constexpr std::string_view bearer = "Bearer ";
  if (auth.size() > bearer.size() && iequals(auth.substr(0, bearer.size()), bearer)) {
    if (const auto key = trim(auth.substr(bearer.size())); !key.empty()) return std::string(key);
  }
  return std::nullopt;
}

std::string lead_name(std::string_view user_text) {
  std::size_t start = 0;
  while (start <= user_text.size()) {
    const auto end = std::min(user_text.find('\n', start), user_text.size());
    const auto line = trim(user_text.substr(start, end - start));
    constexpr std::string_view label = "Name:";
    if (line.size() > label.size() && line.substr(0, label.size()) == label) {
      return std::string(trim(line.substr(label.size())));
    }
    start = end + 1;
  }
  return std::string(trim(user_text));
}

ParsedRequest parse_request(Api api, std::string_view body) {
  const json request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object()) return invalid("the request body is not a JSON object");
  const auto model = request.find("model");
  if (model == request.end() || !model->is_string() || model->get<std::string>().empty()) {
    return invalid("model: a string is required");
  }
  const auto messages = request.find("messages");
  if (messages == request.end() || !messages->is_array() || messages->empty()) {
    return invalid("messages: a non-empty array is required");
  }
  const auto limit = max_tokens(api, request);
  if (api == Api::anthropic && !limit) return invalid("max_tokens: Field required");
  if (limit && *limit < 1) return invalid("max_tokens: must be at least 1");
  const json* last_user = nullptr;
  for (const json& message : *messages) {
    if (message.is_object() && message.value("role", "") == "user") last_user = &message;
  }
  if (last_user == nullptr) return invalid("messages: a user message is required");
  ChatRequest r;
  r.model = model->get<std::string>();
  r.name = lead_name(content_text(last_user->value("content", json())));
  if (r.name.empty()) return invalid("messages: the last user message has no text");
  const auto chars = static_cast<std::int64_t>(prompt_chars(request));
  r.estimated_tokens = (chars + 3) / 4 + limit.value_or(kDefaultMaxTokens);
  return {std::move(r), {}};
}

}  // namespace leadscout::llm_stub

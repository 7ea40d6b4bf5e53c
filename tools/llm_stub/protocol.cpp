// The stub's reading of a request: the wire shapes parse it (Anthropic requires max_tokens and
// OpenAI does not, as the real APIs do); the lead's name comes from the last user message.
#include "protocol.hpp"

#include "chat_wire.hpp"
#include "strings.hpp"

namespace leadscout::llm_stub {

namespace {

ParsedRequest invalid(std::string message) { return {std::nullopt, std::move(message)}; }

}  // namespace

std::string lead_name(std::string_view user_text) {
  std::size_t start = 0;
  while (start <= user_text.size()) {
    const auto end = std::min(user_text.find('\n', start), user_text.size());
    const auto line = common::trim_space(user_text.substr(start, end - start));
    constexpr std::string_view label = "Name:";
    if (line.size() > label.size() && line.substr(0, label.size()) == label) {
      return std::string(common::trim_space(line.substr(label.size())));
    }
    start = end + 1;
  }
  return std::string(common::trim_space(user_text));
}

ParsedRequest parse_request(Api api, std::string_view body) {
  std::string error;
  auto chat = llm::wire::parse_request(api, body, error);
  if (!chat) return invalid(std::move(error));
  // Characters of the system prompt and of every message: the basis of the token estimate.
  std::size_t chars = chat->system.size();
  const llm::wire::Message* last_user = nullptr;
  for (const llm::wire::Message& message : chat->messages) {
    chars += message.content.size();
    if (message.role == "user") last_user = &message;
  }
  if (last_user == nullptr) return invalid("messages: a user message is required");
  StubRequest r;
  r.model = std::move(chat->model);
  r.name = lead_name(last_user->content);
  if (r.name.empty()) return invalid("messages: the last user message has no text");
  const std::int64_t limit = chat->max_tokens > 0 ? chat->max_tokens : kDefaultMaxTokens;
  r.estimated_tokens = (static_cast<std::int64_t>(chars) + 3) / 4 + limit;
  r.schema = std::move(chat->schema);
  r.schema_name = std::move(chat->schema_name);
  return {std::move(r), {}};
}

}  // namespace leadscout::llm_stub

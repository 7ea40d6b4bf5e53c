// What the stub reads from a request: the API, the key, the model and the lead's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leadscout::llm_stub {

/// The two wire protocols served.
enum class Api {
  openai,     ///< Chat Completions: POST /chat/completions, /v1/chat/completions
  anthropic,  ///< Messages: POST /messages, /v1/messages
};

/// "openai" or "anthropic".
[[nodiscard]] std::string_view to_string(Api api) noexcept;

/// The API key of a request: `x-api-key`, else the token of `authorization: Bearer KEY`;
/// nullopt when neither carries one.
[[nodiscard]] std::optional<std::string> api_key(std::string_view x_api_key, std::string_view authorization);

/// The lead's name in a user message: X of its first line "Name: X", else the whole text,
/// without surrounding white space.
[[nodiscard]] std::string lead_name(std::string_view user_text);

/// A chat request, as far as the stub needs it.
struct ChatRequest {
  std::string model;                  ///< echoed in the answer
  std::string name;                   ///< of the last user message
  std::int64_t estimated_tokens = 0;  ///< prompt (about 4 characters a token) + max_tokens
};

/// A parsed request, or why it is invalid (a 400).
struct ParsedRequest {
  std::optional<ChatRequest> request;
  std::string error;
};

/// Completion tokens assumed when an OpenAI request sets no max_tokens.
inline constexpr std::int64_t kDefaultMaxTokens = 64;

/// Parses a request body of `api`. Message contents may be a string or an array of text parts.
[[nodiscard]] ParsedRequest parse_request(Api api, std::string_view body);

}  // namespace leadscout::llm_stub

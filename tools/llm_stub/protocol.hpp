// What the stub reads from a request: the chat request through the wire shapes it shares with
// leadscout::llm, and what only the stub needs of it, the lead's name and a token estimate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "leadscout/llm/api.hpp"

namespace leadscout::llm_stub {

/// The two wire protocols served: Chat Completions (POST /chat/completions,
/// /v1/chat/completions) and Messages (POST /messages, /v1/messages).
using Api = llm::Api;

/// The lead's name in a user message: X of its first line "Name: X", else the whole text,
/// without surrounding white space.
[[nodiscard]] std::string lead_name(std::string_view user_text);

/// A chat request, as far as the stub needs it.
struct StubRequest {
  std::string model;                  ///< echoed in the answer
  std::string name;                   ///< of the last user message
  std::int64_t estimated_tokens = 0;  ///< prompt (about 4 characters a token) + max_tokens
  nlohmann::json schema;              ///< the answer's JSON Schema (response_format or forced tool); null: free text
  std::string schema_name;            ///< the json_schema's or forced tool's name
};

/// A parsed request, or why it is invalid (a 400).
struct ParsedRequest {
  std::optional<StubRequest> request;
  std::string error;
};

/// Completion tokens assumed when an OpenAI request sets no max_tokens.
inline constexpr std::int64_t kDefaultMaxTokens = 64;

/// Parses a request body of `api`. Message contents may be a string or an array of text parts.
[[nodiscard]] ParsedRequest parse_request(Api api, std::string_view body);

}  // namespace leadscout::llm_stub

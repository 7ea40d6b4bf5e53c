// The chat APIs on the wire, in both directions: the client writes requests and reads answers,
// leadscout-llm-stub reads requests and writes answers, from this one definition.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/llm/api.hpp"

namespace leadscout::llm::wire {

/// A turn of the conversation after the system prompt.
struct Message {
  std::string role;  ///< "user" or "assistant"
  std::string content;
};

/// A chat request, as the client sends it and the stub reads it.
struct ChatRequest {
  std::string model;
  std::string system;
  std::vector<Message> messages;
  /// The JSON Schema the answer must follow: OpenAI response_format json_schema (strict),
  /// Anthropic a forced tool whose input_schema it is. Null: free text.
  nlohmann::json schema;
  std::int64_t max_tokens = 0;  ///< 0: not sent (OpenAI); Anthropic requires it
  double temperature = 0;
  /// The name the schema travels under (the json_schema's or the forced tool's); empty: kAnswerName.
  std::string schema_name;
};

/// The name of the forced tool (Anthropic) and of the json_schema (OpenAI) that carry a schema.
inline constexpr std::string_view kAnswerName = "answer";

/// The request body of `api`.
[[nodiscard]] std::string request_body(Api api, const ChatRequest& request);
/// Reads a request body of `api`; a message's content may be a string or an array of text
/// parts, and OpenAI's system (and developer) messages become `system`. The schema comes from
/// a json_schema response_format (OpenAI) or from the tool tool_choice forces, or the only tool
/// under "any" (Anthropic). nullopt with `error` naming the field when the body is not a request.
[[nodiscard]] std::optional<ChatRequest> parse_request(Api api, std::string_view body, std::string& error);

/// What a 200 carries.
struct ChatAnswer {
  std::string id;
  std::string model;  ///< the model the provider reports
  /// The answer: the message's text, or with a schema on Anthropic the forced tool's input
  /// serialised as JSON.
  std::string text;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::string finish_reason;  ///< "stop", "length", "end_turn", "tool_use", "refusal", ...
  std::int64_t created = 0;   ///< OpenAI's Unix seconds; response_body: 0 is now
  std::string tool_name;      ///< the tool_use block's name (Anthropic); response_body: empty is kAnswerName
};

/// The 200 body of `api`. `as_tool` (Anthropic only): the text is a JSON object and is sent as the
/// forced tool's input (a text that is not one is sent as text). An OpenAI answer whose
/// finish_reason is "refusal" is sent as the message's refusal.
[[nodiscard]] std::string response_body(Api api, const ChatAnswer& answer, bool as_tool);
/// Reads a 200 body of `api`; nullopt when it is not one.
[[nodiscard]] std::optional<ChatAnswer> parse_response(Api api, std::string_view body);

/// An error body of `api` with its type ("rate_limit_error", "invalid_request_error", ...) and,
/// for OpenAI, its code ("invalid_api_key", "rate_limit_exceeded"; empty: null).
[[nodiscard]] std::string error_body(Api api, std::string_view type, std::string_view message,
                                     std::string_view code = {});
/// The `error.message` of an error body of either API, else the body's first 200 bytes.
[[nodiscard]] std::string error_message(std::string_view body);

/// The chat path below the base URL: "/chat/completions" or "/messages".
[[nodiscard]] std::string_view chat_path(Api api) noexcept;

/// Request headers: (name, value) pairs.
using Headers = std::vector<std::pair<std::string, std::string>>;
/// The headers that carry `key` (Authorization: Bearer, or x-api-key with anthropic-version);
/// none for an empty key.
[[nodiscard]] Headers auth_headers(Api api, std::string_view key);
/// The key a request carries: `x-api-key`, else the token of `authorization: Bearer KEY`.
[[nodiscard]] std::optional<std::string> request_key(std::string_view x_api_key, std::string_view authorization);

}  // namespace leadscout::llm::wire

// Anthropic Messages on the wire: requests that force a tool whose input_schema is the answer's
// schema, and message answers with text or tool_use blocks.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chat_wire.hpp"

namespace leadscout::llm::wire::anthropic {

[[nodiscard]] std::string request_body(const ChatRequest& request);
[[nodiscard]] std::optional<ChatRequest> parse_request(std::string_view body, std::string& error);
[[nodiscard]] std::string response_body(const ChatAnswer& answer, bool as_tool);
[[nodiscard]] std::optional<ChatAnswer> parse_response(std::string_view body);
[[nodiscard]] std::string error_body(std::string_view type, std::string_view message);

}  // namespace leadscout::llm::wire::anthropic

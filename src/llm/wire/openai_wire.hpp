// OpenAI Chat Completions on the wire (also vLLM, llama.cpp and Ollama): requests with a
// json_schema response_format, chat.completion answers, refusals.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chat_wire.hpp"

namespace leadscout::llm::wire::openai {

[[nodiscard]] std::string request_body(const ChatRequest& request);
[[nodiscard]] std::optional<ChatRequest> parse_request(std::string_view body, std::string& error);
[[nodiscard]] std::string response_body(const ChatAnswer& answer);
[[nodiscard]] std::optional<ChatAnswer> parse_response(std::string_view body);
[[nodiscard]] std::string error_body(std::string_view type, std::string_view message, std::string_view code);

}  // namespace leadscout::llm::wire::openai

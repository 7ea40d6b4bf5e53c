// The chat APIs leadscout::llm speaks.
#pragma once

#include <optional>
#include <string_view>

namespace leadscout::llm {

/// The wire protocol of an endpoint.
enum class Api {
  openai,     ///< Chat Completions, POST {base_url}/chat/completions (also vLLM, llama.cpp, Ollama)
  anthropic,  ///< Messages, POST {base_url}/messages
};

/// "openai" or "anthropic": the provider's name in logs, metrics and the default quota.
[[nodiscard]] constexpr std::string_view to_string(Api api) noexcept {
  return api == Api::anthropic ? "anthropic" : "openai";
}

/// "openai" or "anthropic" to the API; nullopt otherwise.
[[nodiscard]] constexpr std::optional<Api> parse_api(std::string_view text) noexcept {
  if (text == "openai") return Api::openai;
  if (text == "anthropic") return Api::anthropic;
  return std::nullopt;
}

}  // namespace leadscout::llm

// The two chat APIs on the wire, without a transport: request bodies, response bodies, the
// model's answer, and the price of a model's tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace demo {

/// The wire protocol of a provider.
enum class LlmApi {
  openai,     ///< Chat Completions: POST {url}/chat/completions (OpenAI, vLLM, llama.cpp, Ollama)
  anthropic,  ///< Messages: POST {url}/messages
};

/// "openai" or "anthropic"; also the quota's name and the key's environment variable prefix.
[[nodiscard]] std::string_view to_string(LlmApi api) noexcept;
/// "openai" or "anthropic" to the API; nullopt otherwise.
[[nodiscard]] std::optional<LlmApi> parse_llm_api(std::string_view text) noexcept;

/// Response headers, in order, names as received.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Completion tokens a request allows: the answer is a short JSON object.
inline constexpr std::int64_t kMaxAnswerTokens = 64;

/// The request body asking `model` for the origin of `name`, as JSON {"label", "confidence"}.
[[nodiscard]] std::string request_body(LlmApi api, std::string_view model, std::string_view name);

/// Tokens the request for `name` may use: its prompt (about 4 characters a token) and the answer.
[[nodiscard]] std::int64_t estimate_tokens(std::string_view name);

/// What a 200 body carries.
struct Completion {
  std::string text;  ///< the model's answer text
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

/// The answer text and usage of a 200 body of `api`; nullopt when the body is not one.
[[nodiscard]] std::optional<Completion> parse_completion(LlmApi api, std::string_view body);

/// The `error.message` of an error body of either API, or the body's first 200 bytes.
[[nodiscard]] std::string error_message(std::string_view body);

/// The label and confidence a model answered.
struct Answer {
  std::string label;
  double confidence = 0.0;
};

/// Reads {"label": "...", "confidence": 0.9} from a model's text, also inside a Markdown code
/// fence or surrounded by prose; nullopt when no such object is there.
[[nodiscard]] std::optional<Answer> parse_answer(std::string_view text);

/// A model's price in US dollars per million tokens.
struct Price {
  double input_per_million = 0.0;
  double output_per_million = 0.0;
  [[nodiscard]] double cost(std::int64_t prompt_tokens, std::int64_t completion_tokens) const noexcept {
    return (static_cast<double>(prompt_tokens) * input_per_million +
            static_cast<double>(completion_tokens) * output_per_million) /
           1e6;
  }
};

/// The built-in price of `model` by the longest known prefix ("gpt-4o-mini-2024-07-18" is
/// priced as "gpt-4o-mini"); nullopt for a model not in the table.
[[nodiscard]] std::optional<Price> builtin_price(std::string_view model) noexcept;

/// A row of the built-in price table.
struct PriceRow {
  std::string_view model_prefix;
  Price price;
};
/// The built-in price table (docs/providers.md lists it).
[[nodiscard]] const std::vector<PriceRow>& price_table();

/// The seconds of a `retry-after` header (a number of seconds; an HTTP date counts as 1 s);
/// nullopt when absent or malformed. Names are matched case-insensitively.
[[nodiscard]] std::optional<double> retry_after_seconds(const HeaderList& headers);

}  // namespace demo

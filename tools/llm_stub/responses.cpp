// Response bodies and headers, field for field as OpenAI and Anthropic send them, so that
// their SDKs and clients written against them parse the stub's answers unchanged.
#include "responses.hpp"

#include <nlohmann/json.hpp>

#include "duration_text.hpp"
#include "iso8601.hpp"
#include "random.hpp"

namespace leadscout::llm_stub {

namespace {

using ojson = nlohmann::ordered_json;

/// OpenAI's error type and code for a status.
std::pair<std::string_view, std::string_view> openai_error_kind(int status) noexcept {
  switch (status) {
    case 400:
      return {"invalid_request_error", ""};
    case 401:
      return {"invalid_request_error", "invalid_api_key"};
    case 429:
      return {"requests", "rate_limit_exceeded"};
    default:
      return {"server_error", ""};
  }
}

/// Anthropic's error type for a status.
std::string_view anthropic_error_type(int status) noexcept {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 429:
      return "rate_limit_error";
    default:
      return "api_error";
  }
}

std::string openai_body(const Completion& c) {
  ojson message = {{"role", "assistant"}, {"content", c.text}, {"refusal", nullptr}};
  ojson choice = {{"index", 0}, {"message", std::move(message)}, {"logprobs", nullptr}, {"finish_reason", "stop"}};
  ojson usage = {{"prompt_tokens", c.prompt_tokens},
                 {"completion_tokens", c.completion_tokens},
                 {"total_tokens", c.prompt_tokens + c.completion_tokens}};
  ojson body = {{"id", c.id},
                {"object", "chat.completion"},
                {"created", c.created},
                {"model", c.model},
                {"choices", ojson::array({std::move(choice)})},
                {"usage", std::move(usage)}};
  return body.dump();
}

std::string anthropic_body(const Completion& c) {
  ojson content = ojson::array({ojson{{"type", "text"}, {"text", c.text}}});
  ojson usage = {{"input_tokens", c.prompt_tokens}, {"output_tokens", c.completion_tokens}};
  ojson body = {{"id", c.id},
                {"type", "message"},
                {"role", "assistant"},
                {"model", c.model},
                {"content", std::move(content)},
                {"stop_reason", "end_turn"},
                {"stop_sequence", nullptr},
                {"usage", std::move(usage)}};
  return body.dump();
}

void add_anthropic_bucket(Headers& h, std::string_view bucket, const BucketState& s, std::string_view reset) {
  const std::string prefix = "anthropic-ratelimit-" + std::string(bucket);
  h.emplace_back(prefix + "-limit", std::to_string(s.limit));
  h.emplace_back(prefix + "-remaining", std::to_string(s.remaining));
  h.emplace_back(prefix + "-reset", std::string(reset));
}

}  // namespace

bool fenced_answer(std::uint64_t seed, std::string_view name) noexcept {
  return demo::mix64(seed ^ demo::mix64(demo::hash_text(name) ^ demo::hash_text("fence"))) % 5 == 0;
}

std::string answer_text(std::string_view label, double confidence, bool fenced) {
  const std::string json = ojson{{"label", label}, {"confidence", confidence}}.dump();
  return fenced ? "```json\n" + json + "\n```" : json;
}

std::string response_id(Api api, std::uint64_t seed, std::uint64_t serial) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  demo::Rng rng(demo::mix64(seed ^ demo::mix64(serial)));
  std::string id = api == Api::openai ? "chatcmpl-" : "msg_";
  for (int i = 0; i < 24; ++i) id += alphabet[rng.below(sizeof alphabet - 1)];
  return id;
}

std::string completion_body(Api api, const Completion& c) {
  return api == Api::openai ? openai_body(c) : anthropic_body(c);
}

std::string error_body(Api api, int status, std::string_view message) {
  if (api == Api::anthropic) {
    const ojson error = {{"type", anthropic_error_type(status)}, {"message", message}};
    return ojson{{"type", "error"}, {"error", error}}.dump();
  }
  const auto [type, code] = openai_error_kind(status);
  ojson error = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
  if (!code.empty()) error["code"] = code;
  return ojson{{"error", std::move(error)}}.dump();
}

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(t.time_since_epoch()).count();
  return common::format_iso8601_utc(seconds * 1'000'000, 0);
}

Headers rate_limit_headers(Api api, const Snapshot& s, std::chrono::system_clock::time_point now) {
  Headers h;
  if (api == Api::openai) {
    h.emplace_back("x-ratelimit-limit-requests", std::to_string(s.requests.limit));
    h.emplace_back("x-ratelimit-limit-tokens", std::to_string(s.tokens.limit));
    h.emplace_back("x-ratelimit-remaining-requests", std::to_string(s.requests.remaining));
    h.emplace_back("x-ratelimit-remaining-tokens", std::to_string(s.tokens.remaining));
    h.emplace_back("x-ratelimit-reset-requests", common::format_go_duration(s.requests.reset));
    h.emplace_back("x-ratelimit-reset-tokens", common::format_go_duration(s.tokens.reset));
    return h;
  }
  const std::string requests_reset = format_rfc3339(now + s.requests.reset);
  const std::string tokens_reset = format_rfc3339(now + s.tokens.reset);
  add_anthropic_bucket(h, "requests", s.requests, requests_reset);
  add_anthropic_bucket(h, "tokens", s.tokens, tokens_reset);
  // One token bucket stands for the input and the output limits, which Anthropic reports apart.
  add_anthropic_bucket(h, "input-tokens", s.tokens, tokens_reset);
  add_anthropic_bucket(h, "output-tokens", s.tokens, tokens_reset);
  return h;
}

}  // namespace leadscout::llm_stub

// Answer texts, ids, errors and rate-limit headers, as OpenAI and Anthropic send them, so that
// their SDKs and clients written against them read the stub's answers unchanged.
#include "responses.hpp"

#include <nlohmann/json.hpp>

#include "duration_text.hpp"
#include "iso8601.hpp"
#include "random.hpp"
#include "rate_limit_header_names.hpp"

namespace leadscout::llm_stub {

namespace {

using ojson = nlohmann::ordered_json;
namespace names = common::rate_limit_header;

/// OpenAI's error type and code for a status.
std::pair<std::string_view, std::string_view> openai_error_kind(int status) noexcept {
  switch (status) {
    case 400:
    case 404:
    case 413:
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
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    default:
      return "api_error";
  }
}

void add_openai_bucket(Headers& h, std::string_view bucket, const BucketState& s) {
  h.emplace_back(names::openai_name(names::kLimit, bucket), std::to_string(s.limit));
  h.emplace_back(names::openai_name(names::kRemaining, bucket), std::to_string(s.remaining));
  h.emplace_back(names::openai_name(names::kReset, bucket), common::format_go_duration(s.reset));
}

void add_anthropic_bucket(Headers& h, std::string_view bucket, const BucketState& s, std::string_view reset) {
  h.emplace_back(names::anthropic_name(bucket, names::kLimit), std::to_string(s.limit));
  h.emplace_back(names::anthropic_name(bucket, names::kRemaining), std::to_string(s.remaining));
  h.emplace_back(names::anthropic_name(bucket, names::kReset), std::string(reset));
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

std::string error_body(Api api, int status, std::string_view message) {
  if (api == Api::anthropic) return llm::wire::error_body(api, anthropic_error_type(status), message);
  const auto [type, code] = openai_error_kind(status);
  return llm::wire::error_body(api, type, message, code);
}

Reply json_reply(const nlohmann::ordered_json& body) {
  Reply r;
  r.body = body.dump();
  return r;
}

Reply error_reply(Api api, int status, std::string_view message) {
  Reply r;
  r.status = status;
  r.body = error_body(api, status, message);
  return r;
}

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(t.time_since_epoch()).count();
  return common::format_iso8601_utc(seconds * 1'000'000, 0);
}

Headers rate_limit_headers(Api api, const Snapshot& s, std::chrono::system_clock::time_point now) {
  Headers h;
  if (api == Api::openai) {
    add_openai_bucket(h, names::kRequests, s.requests);
    add_openai_bucket(h, names::kTokens, s.tokens);
    return h;
  }
  const std::string requests_reset = format_rfc3339(now + s.requests.reset);
  const std::string tokens_reset = format_rfc3339(now + s.tokens.reset);
  add_anthropic_bucket(h, names::kRequests, s.requests, requests_reset);
  add_anthropic_bucket(h, names::kTokens, s.tokens, tokens_reset);
  // One token bucket stands for the input and the output limits, which Anthropic reports apart.
  add_anthropic_bucket(h, names::kInputTokens, s.tokens, tokens_reset);
  add_anthropic_bucket(h, names::kOutputTokens, s.tokens, tokens_reset);
  return h;
}

}  // namespace leadscout::llm_stub

// What the stub writes: answer texts, the providers' response and error bodies, and their
// rate-limit headers.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol.hpp"
#include "rate_limiter.hpp"

namespace leadscout::llm_stub {

/// Response headers, in order.
using Headers = std::vector<std::pair<std::string, std::string>>;

/// Whether the answer for `name` comes in a Markdown code fence (about one in five names),
/// decided by the seed and the name only.
[[nodiscard]] bool fenced_answer(std::uint64_t seed, std::string_view name) noexcept;

/// The model's text: {"label":"...","confidence":0.91}, inside "```json\n...\n```" if `fenced`.
[[nodiscard]] std::string answer_text(std::string_view label, double confidence, bool fenced);

/// A successful completion, in either API.
struct Completion {
  std::string id;  ///< "chatcmpl-…" or "msg_…"
  std::string model;
  std::int64_t created = 0;  ///< Unix seconds (OpenAI only)
  std::string text;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

/// A response id of `api` ("chatcmpl-" or "msg_" and 24 characters), unique per `serial`.
[[nodiscard]] std::string response_id(Api api, std::uint64_t seed, std::uint64_t serial);

/// The 200 body of `api`, shaped exactly like the provider's.
[[nodiscard]] std::string completion_body(Api api, const Completion& c);

/// The error body of `api` for `status` (400, 401, 429, 500, 503), with the provider's type and code.
[[nodiscard]] std::string error_body(Api api, int status, std::string_view message);

/// "2025-07-06T10:30:15Z": RFC 3339 in UTC, rounded up to the whole second.
[[nodiscard]] std::string format_rfc3339(std::chrono::system_clock::time_point t);

/// The rate-limit headers of `api` for a key's buckets at wall-clock time `now`.
[[nodiscard]] Headers rate_limit_headers(Api api, const Snapshot& s, std::chrono::system_clock::time_point now);

}  // namespace leadscout::llm_stub

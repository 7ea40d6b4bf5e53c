// What the stub writes besides the wire shapes: answer texts, response ids, the error of each
// status, and the providers' rate-limit headers.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "chat_wire.hpp"
#include "protocol.hpp"
#include "rate_limiter.hpp"

namespace leadscout::llm_stub {

/// Response headers, in order.
using Headers = llm::wire::Headers;

/// What to send back.
struct Reply {
  int status = 200;
  Headers headers;
  std::string body;
  std::string content_type = "application/json";
};

/// Whether the answer for `name` comes in a Markdown code fence (about one in five names),
/// decided by the seed and the name only.
[[nodiscard]] bool fenced_answer(std::uint64_t seed, std::string_view name) noexcept;

/// The model's text: {"label":"...","confidence":0.91}, inside "```json\n...\n```" if `fenced`.
[[nodiscard]] std::string answer_text(std::string_view label, double confidence, bool fenced);

/// A response id of `api` ("chatcmpl-" or "msg_" and 24 characters), unique per `serial`.
[[nodiscard]] std::string response_id(Api api, std::uint64_t seed, std::uint64_t serial);

/// The error body of `api` for `status` (400, 401, 404, 413, 429, 500, 503), with the type and code the
/// provider gives that status.
[[nodiscard]] std::string error_body(Api api, int status, std::string_view message);

/// A 200 reply with `body`.
[[nodiscard]] Reply json_reply(const nlohmann::ordered_json& body);

/// The reply of `api` for an error `status` (error_body()).
[[nodiscard]] Reply error_reply(Api api, int status, std::string_view message);

/// "2025-07-06T10:30:15Z": RFC 3339 in UTC, rounded up to the whole second.
[[nodiscard]] std::string format_rfc3339(std::chrono::system_clock::time_point t);

/// The rate-limit headers of `api` for a key's buckets at wall-clock time `now`.
[[nodiscard]] Headers rate_limit_headers(Api api, const Snapshot& s, std::chrono::system_clock::time_point now);

}  // namespace leadscout::llm_stub

// The names of the providers' rate-limit response headers, and how their values are written:
// one definition for the batch library, which reads them, and the provider stub, which sends them.
#pragma once

#include <string>
#include <string_view>

namespace leadscout::common::rate_limit_header {

/// OpenAI: x-ratelimit-<field>-<bucket>. Counts are integers; a reset is a Go-style duration
/// until the bucket is full again ("6m0s", "1.5s", "20ms"; format_go_duration writes them).
inline constexpr std::string_view kOpenAiPrefix = "x-ratelimit-";
/// Anthropic: anthropic-ratelimit-<bucket>-<field>. Counts are integers; a reset is the RFC 3339
/// time the bucket is full again ("2025-07-06T10:30:17Z").
inline constexpr std::string_view kAnthropicPrefix = "anthropic-ratelimit-";

// The fields of a bucket.
inline constexpr std::string_view kLimit = "limit";
inline constexpr std::string_view kRemaining = "remaining";
inline constexpr std::string_view kReset = "reset";

// The buckets; input-tokens and output-tokens are Anthropic's only.
inline constexpr std::string_view kRequests = "requests";
inline constexpr std::string_view kTokens = "tokens";
inline constexpr std::string_view kInputTokens = "input-tokens";
inline constexpr std::string_view kOutputTokens = "output-tokens";

/// Whole or fractional seconds, or an HTTP date (IMF-fixdate).
inline constexpr std::string_view kRetryAfter = "retry-after";
/// Milliseconds, as OpenAI also sends it.
inline constexpr std::string_view kRetryAfterMs = "retry-after-ms";

/// "x-ratelimit-<field>-<bucket>".
[[nodiscard]] inline std::string openai_name(std::string_view field, std::string_view bucket) {
  return std::string(kOpenAiPrefix).append(field).append("-").append(bucket);
}

/// "anthropic-ratelimit-<bucket>-<field>".
[[nodiscard]] inline std::string anthropic_name(std::string_view bucket, std::string_view field) {
  return std::string(kAnthropicPrefix).append(bucket).append("-").append(field);
}

}  // namespace leadscout::common::rate_limit_header

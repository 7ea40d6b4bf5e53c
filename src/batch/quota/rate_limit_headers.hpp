// What providers say about their rate limits in response headers.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "leadscout/batch/clock.hpp"

namespace leadscout::batch::detail {

/// One limited dimension (requests, tokens, ...) as a response reported it.
struct LimitHeaders {
  std::optional<double> limit;      ///< per minute
  std::optional<double> remaining;  ///< left in the provider's bucket
  std::optional<Clock::duration> reset;  ///< until the bucket is full again, from the response
};

/// The rate-limit headers of one response. Absolute times are already turned into delays.
struct RateLimitHeaders {
  LimitHeaders requests;
  LimitHeaders tokens;
  LimitHeaders input_tokens;   ///< Anthropic's input-tokens limits
  LimitHeaders output_tokens;  ///< Anthropic's output-tokens limits
  std::optional<Clock::duration> retry_after;
  int malformed = 0;  ///< values of known headers that could not be read (and were ignored)
};

using HeaderList = std::span<const std::pair<std::string_view, std::string_view>>;

/// Reads OpenAI's x-ratelimit-{limit,remaining,reset}-{requests,tokens}, Anthropic's
/// anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset},
/// retry-after (seconds or an HTTP date) and retry-after-ms. Names are case-insensitive, other
/// headers are skipped, a later duplicate wins. Absolute times are measured from `now`; ones in
/// the past become zero delays. Never throws.
[[nodiscard]] RateLimitHeaders parse_rate_limit_headers(HeaderList headers,
                                                        std::chrono::system_clock::time_point now) noexcept;

/// A Go-style duration as OpenAI sends it: "6m0s", "1s", "20ms", "1h2m3.5s".
[[nodiscard]] std::optional<Clock::duration> parse_go_duration(std::string_view text) noexcept;
/// An RFC 3339 date-time: "2026-11-29T21:04:05Z", "2026-11-29T22:04:05.250+01:00".
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) noexcept;
/// An HTTP date (IMF-fixdate): "Sun, 29 Nov 2026 21:04:05 GMT".
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) noexcept;

}  // namespace leadscout::batch::detail

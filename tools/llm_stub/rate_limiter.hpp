// Per-API-key request and token buckets that refill continuously, as the providers' limits do.
// A provider may enforce its per-minute limits over a shorter window (OpenAI: "60,000 a minute
// may be enforced as 1,000 a second") while its headers still report the minute bucket.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "token_bucket.hpp"

namespace leadscout::llm_stub {

/// Per-minute limits of one key; 0 means unlimited.
struct Limits {
  std::int64_t rpm = 0;  ///< requests per minute
  std::int64_t tpm = 0;  ///< tokens (prompt + completion) per minute
  /// Seconds of the rates the enforcing buckets hold (60: a whole minute may be spent at once,
  /// 1: at most a second's share). The headers report a minute's bucket either way.
  int window_seconds = 60;
};

/// What the limit headers report about one bucket.
struct BucketState {
  std::int64_t limit = 0;              ///< capacity (a nominal one when unlimited)
  std::int64_t remaining = 0;          ///< whole units available now, never negative
  std::chrono::milliseconds reset{0};  ///< until the bucket is full again
};

/// Both buckets of a key.
struct Snapshot {
  BucketState requests;
  BucketState tokens;
};

/// The limiter's answer to one request.
struct Decision {
  bool allowed = false;
  std::chrono::seconds retry_after{0};  ///< rejected: whole seconds until it would fit, at least 1
  bool requests_refused = false;         ///< rejected for want of a request (else of tokens)
  Snapshot snapshot;                    ///< after the request was taken (or refused)
};

/// Capacities reported in the headers when no limit is configured.
inline constexpr std::int64_t kNominalRpm = 10'000;
inline constexpr std::int64_t kNominalTpm = 10'000'000;

/// The buckets of every key seen. Thread-safe.
class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  /// `clock` defaults to std::chrono::steady_clock::now.
  explicit RateLimiter(Limits limits, Clock clock = {});

  /// Admits one request of `estimated_tokens` for `key` and takes them, or refuses it whole.
  [[nodiscard]] Decision acquire(const std::string& key, std::int64_t estimated_tokens);
  /// Replaces an admitted request's estimate by what it really used (0 for an error).
  [[nodiscard]] Snapshot settle(const std::string& key, std::int64_t estimated_tokens, std::int64_t used_tokens);
  /// The buckets of `key` now, without taking anything (full for a key never seen).
  [[nodiscard]] Snapshot peek(const std::string& key);

  [[nodiscard]] const Limits& limits() const noexcept { return limits_; }

 private:
  /// Each refills its limit in a minute. The enforcing pair holds `window_seconds` of it, the
  /// reported pair a whole minute; both take the same amounts.
  struct Buckets {
    common::TokenBucket requests;
    common::TokenBucket tokens;
    common::TokenBucket reported_requests;
    common::TokenBucket reported_tokens;
  };
  [[nodiscard]] Buckets fresh_buckets(std::chrono::steady_clock::time_point now) const;
  Buckets& buckets_of(const std::string& key, std::chrono::steady_clock::time_point now);
  [[nodiscard]] static Snapshot snapshot(Buckets& b, std::chrono::steady_clock::time_point now);

  Limits limits_;
  Clock clock_;
  std::mutex mutex_;
  std::map<std::string, Buckets, std::less<>> keys_;
};

}  // namespace leadscout::llm_stub

// The buckets. Levels are fractional so that a limit of 5 per minute admits one request every
// 12 s after the first five, as a continuously refilling provider limit does.
#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace leadscout::llm_stub {

namespace {

using time_point = std::chrono::steady_clock::time_point;

/// A full bucket of a per-minute `limit`; 0 is unlimited.
common::TokenBucket minute_bucket(std::int64_t limit, time_point now) {
  const auto capacity = static_cast<double>(std::max<std::int64_t>(limit, 0));
  // Refills add up in floating point; a millionth of a unit short counts as there.
  return common::TokenBucket({capacity, 60.0}, capacity, now, 1e-6);
}

/// Time until `amount` units (at most the capacity) are available; zero if they are now.
std::chrono::nanoseconds wait_for(common::TokenBucket& bucket, double amount, time_point now) {
  if (bucket.unlimited()) return std::chrono::nanoseconds(0);
  bucket.refill(now);
  const double seconds = bucket.seconds_until(amount, now);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(seconds * 1e9)));
}

BucketState state_of(common::TokenBucket& bucket, time_point now, std::int64_t nominal) {
  if (bucket.unlimited()) return {nominal, nominal, std::chrono::milliseconds(0)};
  bucket.refill(now);
  const double level = bucket.level(now);
  BucketState s;
  s.limit = static_cast<std::int64_t>(bucket.capacity());
  s.remaining = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(level + 1e-6)));
  const double seconds = bucket.seconds_to_refill(bucket.capacity() - level);
  s.reset = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(std::max(0.0, seconds) * 1000.0)));
  return s;
}

}  // namespace

RateLimiter::RateLimiter(Limits limits, Clock clock) : limits_(limits), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

RateLimiter::Buckets RateLimiter::fresh_buckets(time_point now) const {
  return {minute_bucket(limits_.rpm, now), minute_bucket(limits_.tpm, now)};
}

RateLimiter::Buckets& RateLimiter::buckets_of(const std::string& key, time_point now) {
  auto it = keys_.find(key);
  if (it == keys_.end()) it = keys_.emplace(key, fresh_buckets(now)).first;
  return it->second;
}

Snapshot RateLimiter::snapshot(Buckets& b, time_point now) {
  return {state_of(b.requests, now, kNominalRpm), state_of(b.tokens, now, kNominalTpm)};
}

Decision RateLimiter::acquire(const std::string& key, std::int64_t estimated_tokens) {
  const auto now = clock_();
  const std::lock_guard lock(mutex_);
  Buckets& b = buckets_of(key, now);
  const double tokens = static_cast<double>(std::max<std::int64_t>(estimated_tokens, 0));
  const auto wait = std::max(wait_for(b.requests, 1.0, now), wait_for(b.tokens, tokens, now));
  Decision d;
  d.allowed = wait == std::chrono::nanoseconds(0);
  if (d.allowed) {
    b.requests.take(1.0, now);
    b.tokens.take(tokens, now);
  } else {
    // retry-after carries whole seconds; rounding up means a client that waits it is admitted.
    d.retry_after = std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(wait));
  }
  d.snapshot = snapshot(b, now);
  return d;
}

Snapshot RateLimiter::settle(const std::string& key, std::int64_t estimated_tokens, std::int64_t used_tokens) {
  const auto now = clock_();
  const std::lock_guard lock(mutex_);
  Buckets& b = buckets_of(key, now);
  const auto difference = static_cast<double>(estimated_tokens - used_tokens);
  if (difference > 0) {
    b.tokens.give_back(difference, now);
  } else if (difference < 0) {
    b.tokens.take(-difference, now);
  }
  return snapshot(b, now);
}

Snapshot RateLimiter::peek(const std::string& key) {
  const auto now = clock_();
  const std::lock_guard lock(mutex_);
  if (const auto it = keys_.find(key); it != keys_.end()) return snapshot(it->second, now);
  Buckets fresh = fresh_buckets(now);
  return snapshot(fresh, now);
}

}  // namespace leadscout::llm_stub

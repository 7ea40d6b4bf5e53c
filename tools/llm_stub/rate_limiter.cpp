// The buckets. Levels are fractional so that a limit of 5 per minute admits one request every
// 12 s after the first five, as a continuously refilling provider limit does.
#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace leadscout::llm_stub {

namespace {

using time_point = std::chrono::steady_clock::time_point;

/// A full bucket of a per-minute `limit` holding `seconds` of it (at least one unit); 0 is
/// unlimited.
common::TokenBucket minute_bucket(std::int64_t limit, int seconds, time_point now) {
  const auto per_minute = static_cast<double>(std::max<std::int64_t>(limit, 0));
  const double capacity = per_minute <= 0.0 ? 0.0 : std::max(1.0, per_minute * seconds / 60.0);
  // Refills add up in floating point; a millionth of a unit short counts as there.
  return common::TokenBucket({per_minute, 60.0}, capacity, now, 1e-6);
}

/// Takes `amount` from both buckets of a dimension (negative: gives it back).
void charge(common::TokenBucket& enforced, common::TokenBucket& reported, double amount, time_point now) {
  for (common::TokenBucket* b : {&enforced, &reported}) {
    if (amount >= 0) {
      b->take(amount, now);
    } else {
      b->give_back(-amount, now);
    }
  }
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
  limits_.window_seconds = std::clamp(limits_.window_seconds, 1, 60);
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

RateLimiter::Buckets RateLimiter::fresh_buckets(time_point now) const {
  const int window = limits_.window_seconds;
  return {minute_bucket(limits_.rpm, window, now), minute_bucket(limits_.tpm, window, now),
          minute_bucket(limits_.rpm, 60, now), minute_bucket(limits_.tpm, 60, now)};
}

RateLimiter::Buckets& RateLimiter::buckets_of(const std::string& key, time_point now) {
  auto it = keys_.find(key);
  if (it == keys_.end()) it = keys_.emplace(key, fresh_buckets(now)).first;
  return it->second;
}

Snapshot RateLimiter::snapshot(Buckets& b, time_point now) {
  return {state_of(b.reported_requests, now, kNominalRpm), state_of(b.reported_tokens, now, kNominalTpm)};
}

Decision RateLimiter::acquire(const std::string& key, std::int64_t estimated_tokens) {
  const auto now = clock_();
  const std::lock_guard lock(mutex_);
  Buckets& b = buckets_of(key, now);
  const double tokens = static_cast<double>(std::max<std::int64_t>(estimated_tokens, 0));
  const auto requests_wait = wait_for(b.requests, 1.0, now);
  const auto wait = std::max(requests_wait, wait_for(b.tokens, tokens, now));
  Decision d;
  d.allowed = wait == std::chrono::nanoseconds(0);
  d.requests_refused = !d.allowed && requests_wait == wait;
  if (d.allowed) {
    charge(b.requests, b.reported_requests, 1.0, now);
    charge(b.tokens, b.reported_tokens, tokens, now);
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
  charge(b.tokens, b.reported_tokens, static_cast<double>(used_tokens - estimated_tokens), now);
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

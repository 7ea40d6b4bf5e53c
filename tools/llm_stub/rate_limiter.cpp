// The buckets. Levels are fractional so that a limit of 5 per minute admits one request every
// 12 s after the first five, as a continuously refilling provider limit does.
#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace leadscout::llm_stub {

TokenBucket::TokenBucket(std::int64_t capacity, time_point now) noexcept
    : capacity_(std::max<std::int64_t>(capacity, 0)), level_(static_cast<double>(capacity_)), last_(now) {}

void TokenBucket::refill(time_point now) noexcept {
  if (now <= last_) return;
  const double seconds = std::chrono::duration<double>(now - last_).count();
  level_ = std::min(static_cast<double>(capacity_), level_ + seconds * static_cast<double>(capacity_) / 60.0);
  last_ = now;
}

std::chrono::nanoseconds TokenBucket::wait_for(double amount, time_point now) noexcept {
  if (unlimited()) return std::chrono::nanoseconds(0);
  refill(now);
  // A request larger than the whole bucket waits for a full bucket rather than forever.
  const double need = std::min(amount, static_cast<double>(capacity_));
  // Refills add up in floating point; a millionth of a unit short counts as there.
  if (level_ >= need - 1e-6) return std::chrono::nanoseconds(0);
  const double seconds = seconds_to_refill(need - level_);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(seconds * 1e9)));
}

void TokenBucket::take(double amount, time_point now) noexcept {
  if (unlimited()) return;
  refill(now);
  level_ -= amount;
}

void TokenBucket::give(double amount, time_point now) noexcept {
  if (unlimited()) return;
  refill(now);
  level_ = std::min(static_cast<double>(capacity_), level_ + amount);
}

BucketState TokenBucket::state(time_point now, std::int64_t nominal) noexcept {
  if (unlimited()) return {nominal, nominal, std::chrono::milliseconds(0)};
  refill(now);
  BucketState s;
  s.limit = capacity_;
  s.remaining = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(level_ + 1e-6)));
  const double seconds = seconds_to_refill(static_cast<double>(capacity_) - level_);
  s.reset = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(std::max(0.0, seconds) * 1000.0)));
  return s;
}

RateLimiter::RateLimiter(Limits limits, Clock clock) : limits_(limits), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

RateLimiter::Buckets& RateLimiter::buckets_of(const std::string& key, TokenBucket::time_point now) {
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    it = keys_.emplace(key, Buckets{TokenBucket(limits_.rpm, now), TokenBucket(limits_.tpm, now)}).first;
  }
  return it->second;
}

Snapshot RateLimiter::snapshot(Buckets& b, TokenBucket::time_point now) const {
  return {b.requests.state(now, kNominalRpm), b.tokens.state(now, kNominalTpm)};
}

Decision RateLimiter::acquire(const std::string& key, std::int64_t estimated_tokens) {
  const auto now = clock_();
  const std::lock_guard lock(mutex_);
  Buckets& b = buckets_of(key, now);
  const double tokens = static_cast<double>(std::max<std::int64_t>(estimated_tokens, 0));
  const auto wait = std::max(b.requests.wait_for(1.0, now), b.tokens.wait_for(tokens, now));
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
    b.tokens.give(difference, now);
  } else if (difference < 0) {
    b.tokens.take(-difference, now);
  }
  return snapshot(b, now);
}

Snapshot RateLimiter::peek(const std::string& key) {
  const auto now = clock_();
  const std::lock_guard lock(mutex_);
  if (const auto it = keys_.find(key); it != keys_.end()) return snapshot(it->second, now);
  Buckets fresh{TokenBucket(limits_.rpm, now), TokenBucket(limits_.tpm, now)};
  return snapshot(fresh, now);
}

}  // namespace leadscout::llm_stub

// Token bucket on item starts.
#pragma once

#include "leadscout/batch/clock.hpp"
#include "token_bucket.hpp"

namespace leadscout::batch::detail {

/// `rate` tokens per second, at most `burst` saved up; rate <= 0 means unlimited. Not thread-safe.
class RateLimiter {
 public:
  RateLimiter(double rate, double burst, Clock::time_point start) noexcept;
  /// Takes a token when one is available at `now`.
  [[nodiscard]] bool try_acquire(Clock::time_point now) noexcept;
  /// True when try_acquire(now) would succeed.
  [[nodiscard]] bool available(Clock::time_point now) const noexcept { return bucket_.available(1.0, now); }
  /// The earliest time a token is available (`now` or later).
  [[nodiscard]] Clock::time_point next_available(Clock::time_point now) const noexcept {
    return bucket_.ready_at(1.0, now);
  }
  [[nodiscard]] bool unlimited() const noexcept { return bucket_.unlimited(); }

 private:
  common::TokenBucket bucket_;
};

}  // namespace leadscout::batch::detail

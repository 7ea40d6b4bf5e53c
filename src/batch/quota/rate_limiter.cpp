// Token bucket on item starts: whole tokens, never in debt.
#include "rate_limiter.hpp"

#include <algorithm>

namespace leadscout::batch::detail {

RateLimiter::RateLimiter(double rate, double burst, Clock::time_point start) noexcept
    : bucket_({rate, 1.0}, std::max(1.0, burst), start) {}

bool RateLimiter::try_acquire(Clock::time_point now) noexcept {
  if (unlimited()) return true;
  if (!bucket_.available(1.0, now)) return false;
  // Within the slack of a whole token counts as one, and leaves the bucket empty, not in debt.
  bucket_.set_level(std::max(0.0, bucket_.level(now) - 1.0), now);
  return true;
}

}  // namespace leadscout::batch::detail

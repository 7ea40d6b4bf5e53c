// Token bucket.
#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace leadscout::batch::detail {

RateLimiter::RateLimiter(double rate, double burst, Clock::time_point start) noexcept
    : rate_(rate), burst_(std::max(1.0, burst)), tokens_(std::max(1.0, burst)), last_(start) {}

double RateLimiter::tokens_at(Clock::time_point now) const noexcept {
  if (now <= last_) return tokens_;
  const double dt = std::chrono::duration<double>(now - last_).count();
  return std::min(burst_, tokens_ + dt * rate_);
}

bool RateLimiter::available(Clock::time_point now) const noexcept {
  return unlimited() || tokens_at(now) >= 1.0 - 1e-9;
}

bool RateLimiter::try_acquire(Clock::time_point now) noexcept {
  if (unlimited()) return true;
  const double tokens = tokens_at(now);
  if (tokens < 1.0 - 1e-9) return false;
  tokens_ = std::max(0.0, tokens - 1.0);
  last_ = std::max(now, last_);
  return true;
}

Clock::time_point RateLimiter::next_available(Clock::time_point now) const noexcept {
  if (available(now)) return now;
  const double missing = 1.0 - tokens_at(now);
  const auto wait = std::chrono::duration<double>(missing / rate_);
  return std::max(now, last_) + std::chrono::ceil<Clock::duration>(wait);
}

}  // namespace leadscout::batch::detail

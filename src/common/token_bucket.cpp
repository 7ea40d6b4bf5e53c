// The token bucket's arithmetic.
#include "token_bucket.hpp"

#include <algorithm>

namespace leadscout::common {

TokenBucket::TokenBucket(RefillRate rate, double capacity, time_point start, double slack) noexcept
    : rate_(rate), capacity_(capacity), level_(capacity), slack_(slack), last_(start) {}

double TokenBucket::level(time_point now) const noexcept {
  if (now <= last_ || level_ >= capacity_) return level_;
  const double seconds = std::chrono::duration<double>(now - last_).count();
  // Multiplying first keeps whole results exact.
  return std::min(capacity_, level_ + seconds * rate_.units / rate_.seconds);
}

double TokenBucket::seconds_to_refill(double units) const noexcept {
  return unlimited() ? 0.0 : units * rate_.seconds / rate_.units;
}

bool TokenBucket::available(double amount, time_point now) const noexcept {
  return unlimited() || level(now) >= std::min(amount, capacity_) - slack_;
}

double TokenBucket::seconds_until(double amount, time_point now) const noexcept {
  if (available(amount, now)) return 0.0;
  return seconds_to_refill(std::min(amount, capacity_) - level(now));
}

TokenBucket::time_point TokenBucket::ready_at(double amount, time_point now) const noexcept {
  if (available(amount, now)) return now;
  const auto wait = std::chrono::duration<double>(seconds_until(amount, now));
  return std::max(now, last_) + std::chrono::ceil<time_point::duration>(wait);
}

void TokenBucket::refill(time_point now) noexcept {
  level_ = level(now);
  last_ = std::max(now, last_);
}

void TokenBucket::take(double amount, time_point now) noexcept {
  if (unlimited()) return;
  refill(now);
  level_ -= amount;
}

void TokenBucket::give_back(double amount, time_point now) noexcept {
  if (unlimited()) return;
  refill(now);
  level_ = std::min(capacity_, level_ + amount);
}

void TokenBucket::set_level(double level, time_point now) noexcept {
  if (unlimited()) return;
  refill(now);
  level_ = std::min(level, capacity_);
}

void TokenBucket::set_rate(RefillRate rate, double capacity, time_point now) noexcept {
  const bool was_unlimited = unlimited();
  refill(now);
  rate_ = rate;
  capacity_ = capacity;
  level_ = was_unlimited ? capacity_ : std::min(level_, capacity_);
}

}  // namespace leadscout::common

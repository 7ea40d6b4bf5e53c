// Token bucket in units per minute, and the one-minute usage window.
#include "quota_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace leadscout::batch::detail {

namespace {

// Below this a level counts as reached: refill arithmetic in doubles is not exact.
constexpr double slack = 1e-9;

double capacity_for(double rate, double burst_seconds) noexcept {
  return rate <= 0.0 ? 0.0 : std::max(1.0, rate * burst_seconds);
}

double sanitized(double v) noexcept { return std::isfinite(v) && v > 0.0 ? v : 0.0; }

}  // namespace

TokenBucket::TokenBucket(double per_minute, double burst_seconds, Clock::time_point start) noexcept
    : rate_(sanitized(per_minute) / 60.0),
      burst_seconds_(sanitized(burst_seconds)),
      capacity_(capacity_for(rate_, burst_seconds_)),
      level_(capacity_),
      last_(start) {}

double TokenBucket::level(Clock::time_point now) const noexcept {
  if (now <= last_ || level_ >= capacity_) return level_;
  const double dt = std::chrono::duration<double>(now - last_).count();
  return std::min(capacity_, level_ + dt * rate_);
}

void TokenBucket::refill(Clock::time_point now) noexcept {
  level_ = level(now);
  last_ = std::max(now, last_);
}

bool TokenBucket::available(double amount, Clock::time_point now) const noexcept {
  if (unlimited()) return true;
  return level(now) >= std::min(amount, capacity_) - slack;
}

Clock::time_point TokenBucket::ready_at(double amount, Clock::time_point now) const noexcept {
  if (available(amount, now)) return now;
  const double missing = std::min(amount, capacity_) - level(now);
  const auto wait = std::chrono::duration<double>(missing / rate_);
  return std::max(now, last_) + std::chrono::ceil<Clock::duration>(wait);
}

void TokenBucket::take(double amount, Clock::time_point now) noexcept {
  if (unlimited()) return;
  refill(now);
  level_ -= amount;
}

void TokenBucket::give_back(double amount, Clock::time_point now) noexcept {
  if (unlimited()) return;
  refill(now);
  level_ = std::min(capacity_, level_ + amount);
}

void TokenBucket::set_rate(double per_minute, Clock::time_point now) noexcept {
  const bool was_unlimited = unlimited();
  refill(now);
  rate_ = sanitized(per_minute) / 60.0;
  capacity_ = capacity_for(rate_, burst_seconds_);
  // A bucket that was unlimited has no level yet: it starts full, like a new one.
  level_ = was_unlimited ? capacity_ : std::min(level_, capacity_);
}

void TokenBucket::set_level(double level, Clock::time_point now) noexcept {
  if (unlimited()) return;
  refill(now);
  level_ = std::min(level, capacity_);
}

MinuteWindow::MinuteWindow(Clock::time_point start) noexcept : start_(start) { seconds_.fill(-1); }

long long MinuteWindow::second_of(Clock::time_point t) const noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(t - start_).count();
}

void MinuteWindow::add(double amount, Clock::time_point now) noexcept {
  const long long second = second_of(now);
  const auto slot = static_cast<std::size_t>(((second % 60) + 60) % 60);
  if (seconds_[slot] != second) {
    seconds_[slot] = second;
    sums_[slot] = 0.0;
  }
  sums_[slot] += amount;
}

double MinuteWindow::total(Clock::time_point now) const noexcept {
  const long long second = second_of(now);
  double sum = 0.0;
  for (std::size_t i = 0; i < sums_.size(); ++i) {
    if (seconds_[i] > second - 60 && seconds_[i] <= second) sum += sums_[i];
  }
  return sum;
}

}  // namespace leadscout::batch::detail

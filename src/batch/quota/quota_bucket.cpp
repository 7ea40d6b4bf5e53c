// The quotas' token bucket in units per minute, and the one-minute usage window.
#include "quota_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace leadscout::batch::detail {

namespace {

double capacity_for(double rate, double burst_seconds) noexcept {
  return rate <= 0.0 ? 0.0 : std::max(1.0, rate * burst_seconds);
}

double sanitized(double v) noexcept { return std::isfinite(v) && v > 0.0 ? v : 0.0; }

/// A per-minute rate as units per second.
common::RefillRate per_second(double per_minute) noexcept { return {sanitized(per_minute) / 60.0, 1.0}; }

}  // namespace

TokenBucket::TokenBucket(double per_minute, double burst_seconds, Clock::time_point start) noexcept
    : common::TokenBucket(per_second(per_minute),
                          capacity_for(per_second(per_minute).units, sanitized(burst_seconds)), start),
      burst_seconds_(sanitized(burst_seconds)) {}

void TokenBucket::set_rate(double per_minute, Clock::time_point now) noexcept {
  const common::RefillRate rate = per_second(per_minute);
  common::TokenBucket::set_rate(rate, capacity_for(rate.units, burst_seconds_), now);
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

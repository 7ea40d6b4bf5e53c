// The token bucket of a quota, measured in amounts per minute, and a one-minute window of what
// was used.
#pragma once

#include <array>

#include "leadscout/batch/clock.hpp"
#include "token_bucket.hpp"

namespace leadscout::batch::detail {

/// The common token bucket in units per minute: refilled continuously, at most `burst_seconds`
/// of the rate saved up (at least one unit). It starts full. A take larger than the capacity is
/// allowed once the bucket is full and leaves it in debt, so an oversized request waits rather
/// than never runs. per_minute <= 0 means unlimited. Not thread-safe.
class TokenBucket : public common::TokenBucket {
 public:
  TokenBucket(double per_minute, double burst_seconds, Clock::time_point start) noexcept;

  [[nodiscard]] double per_minute() const noexcept { return rate().units * 60.0; }
  /// Changes the rate from `now` on; the saved level is kept within the new capacity.
  void set_rate(double per_minute, Clock::time_point now) noexcept;

 private:
  double burst_seconds_;
};

/// Sums of what was used in the last minute, in one-second slots. Not thread-safe.
class MinuteWindow {
 public:
  explicit MinuteWindow(Clock::time_point start) noexcept;
  /// Adds `amount` (may be negative, a correction) at `now`.
  void add(double amount, Clock::time_point now) noexcept;
  /// The sum over the 60 seconds up to `now`.
  [[nodiscard]] double total(Clock::time_point now) const noexcept;

 private:
  [[nodiscard]] long long second_of(Clock::time_point t) const noexcept;

  Clock::time_point start_;
  std::array<double, 60> sums_{};
  std::array<long long, 60> seconds_{};  ///< which second each slot holds; -1 before its first use
};

}  // namespace leadscout::batch::detail

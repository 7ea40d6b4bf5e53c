// A continuously refilling token bucket measured in amounts per minute, and a one-minute
// window of what was used.
#pragma once

#include <array>

#include "leadscout/batch/clock.hpp"

namespace leadscout::batch::detail {

/// `per_minute` units a minute, refilled continuously, at most `burst_seconds` of the rate saved
/// up (at least one unit). It starts full. A take larger than the capacity is allowed once the
/// bucket is full and leaves it in debt, so an oversized request waits rather than never runs.
/// per_minute <= 0 means unlimited. Not thread-safe.
class TokenBucket {
 public:
  TokenBucket(double per_minute, double burst_seconds, Clock::time_point start) noexcept;

  [[nodiscard]] bool unlimited() const noexcept { return rate_ <= 0.0; }
  [[nodiscard]] double per_minute() const noexcept { return rate_ * 60.0; }
  [[nodiscard]] double capacity() const noexcept { return capacity_; }
  /// The level at `now` (negative while in debt).
  [[nodiscard]] double level(Clock::time_point now) const noexcept;
  /// True when take(amount, now) may proceed.
  [[nodiscard]] bool available(double amount, Clock::time_point now) const noexcept;
  /// The earliest time `amount` is available (`now` or later; `now` when unlimited).
  [[nodiscard]] Clock::time_point ready_at(double amount, Clock::time_point now) const noexcept;
  /// Removes `amount` (call after available()); the level may go below zero.
  void take(double amount, Clock::time_point now) noexcept;
  /// Adds `amount` back (a refund), never beyond the capacity.
  void give_back(double amount, Clock::time_point now) noexcept;
  /// Changes the rate from `now` on; the saved level is kept within the new capacity.
  void set_rate(double per_minute, Clock::time_point now) noexcept;
  /// Sets the level at `now`, at most the capacity (below zero is debt).
  void set_level(double level, Clock::time_point now) noexcept;

 private:
  void refill(Clock::time_point now) noexcept;

  double rate_;  ///< per second
  double burst_seconds_;
  double capacity_;
  double level_;
  Clock::time_point last_;
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

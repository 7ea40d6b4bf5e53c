// A continuously refilling token bucket on the steady clock, shared by the batch engine's rate
// limit and quotas and by the provider stub's limits. Time comes from the caller, so tests
// drive it with an injected clock.
#pragma once

#include <chrono>

namespace leadscout::common {

/// How fast a bucket refills: `units` every `seconds`. The pair is kept apart, not divided
/// into a rate, so that whole results stay exact (3 units at 10 a minute: 18 s, not a hair
/// more). units <= 0 means unlimited.
struct RefillRate {
  double units = 0.0;
  double seconds = 1.0;
};

/// At most `capacity` units saved up, refilled continuously; it starts full. A take may
/// leave it in debt (below zero), paid back by the refill. An amount larger than the
/// capacity is available once the bucket is full, so an oversized request waits rather than
/// never runs. Not thread-safe.
class TokenBucket {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// `slack`: how far short of an amount still counts as there (refills add up in floating
  /// point, and are not exact).
  TokenBucket(RefillRate rate, double capacity, time_point start, double slack = 1e-9) noexcept;

  [[nodiscard]] bool unlimited() const noexcept { return rate_.units <= 0.0; }
  [[nodiscard]] RefillRate rate() const noexcept { return rate_; }
  [[nodiscard]] double capacity() const noexcept { return capacity_; }
  /// The level at `now` (negative while in debt); time before the last update adds nothing.
  [[nodiscard]] double level(time_point now) const noexcept;
  /// True when `amount` (at most the capacity) is there at `now`.
  [[nodiscard]] bool available(double amount, time_point now) const noexcept;
  /// Seconds from max(now, last update) until `amount` is there; 0 when it is now.
  [[nodiscard]] double seconds_until(double amount, time_point now) const noexcept;
  /// The earliest time `amount` is there (`now` when it is now, or when unlimited).
  [[nodiscard]] time_point ready_at(double amount, time_point now) const noexcept;
  /// Seconds to refill `units` at this rate (0 when unlimited).
  [[nodiscard]] double seconds_to_refill(double units) const noexcept;

  /// Adds what time brought up to `now` to the level.
  void refill(time_point now) noexcept;
  /// Removes `amount`; the level may go below zero.
  void take(double amount, time_point now) noexcept;
  /// Adds `amount` back (a refund), never beyond the capacity.
  void give_back(double amount, time_point now) noexcept;
  /// Sets the level at `now`, at most the capacity (below zero is debt).
  void set_level(double level, time_point now) noexcept;
  /// Changes the rate and capacity from `now` on; the level is kept within the new capacity,
  /// and a bucket that was unlimited starts full, like a new one.
  void set_rate(RefillRate rate, double capacity, time_point now) noexcept;

 private:
  RefillRate rate_;
  double capacity_;
  double level_;
  double slack_;
  time_point last_;
};

}  // namespace leadscout::common

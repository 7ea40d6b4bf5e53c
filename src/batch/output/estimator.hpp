// Smoothed rate and ETA, so a burst of fast items does not make the ETA jump.
#pragma once

#include <cstdint>
#include <optional>

namespace leadscout::batch::detail {

/// Exponential moving averages of items and time between updates (as tqdm does), weighted by
/// elapsed time with time constant `tau_seconds`. Not thread-safe.
class RateEstimator {
 public:
  explicit RateEstimator(double tau_seconds = 10.0) noexcept : tau_(tau_seconds) {}
  /// Records that `done` items were finished `t_seconds` after the start.
  void update(double t_seconds, std::uint64_t done) noexcept;
  /// Items per second; 0 before the first finished item.
  [[nodiscard]] double rate() const noexcept;
  /// Seconds to finish `remaining` items; nullopt when the rate is unknown.
  [[nodiscard]] std::optional<double> eta(std::uint64_t remaining) const noexcept;

 private:
  double tau_;
  bool started_ = false;
  double last_t_ = 0.0;
  std::uint64_t last_done_ = 0;
  double ema_items_ = 0.0;
  double ema_time_ = 0.0;
};

}  // namespace leadscout::batch::detail

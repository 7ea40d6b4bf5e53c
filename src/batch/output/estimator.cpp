// Smoothed rate: EMA of items and of time between updates, weighted by elapsed time.
#include "estimator.hpp"

#include <cmath>

namespace leadscout::batch::detail {

void RateEstimator::update(double t_seconds, std::uint64_t done) noexcept {
  if (!started_) {
    started_ = true;
    last_t_ = t_seconds;
    last_done_ = done;
    return;
  }
  const double dt = t_seconds - last_t_;
  if (dt <= 0.0) return;
  const double dn = done >= last_done_ ? static_cast<double>(done - last_done_) : 0.0;
  const double alpha = 1.0 - std::exp(-dt / tau_);
  if (ema_time_ == 0.0) {
    ema_items_ = dn;
    ema_time_ = dt;
  } else {
    ema_items_ = alpha * dn + (1.0 - alpha) * ema_items_;
    ema_time_ = alpha * dt + (1.0 - alpha) * ema_time_;
  }
  last_t_ = t_seconds;
  last_done_ = done;
}

double RateEstimator::rate() const noexcept { return ema_time_ > 0.0 ? ema_items_ / ema_time_ : 0.0; }

std::optional<double> RateEstimator::eta(std::uint64_t remaining) const noexcept {
  if (remaining == 0) return 0.0;
  const double r = rate();
  if (r <= 0.0) return std::nullopt;
  return static_cast<double>(remaining) / r;
}

}  // namespace leadscout::batch::detail

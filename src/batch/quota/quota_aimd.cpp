// Adaptive in-flight limit.
#include "quota_aimd.hpp"

#include <algorithm>
#include <cmath>

namespace leadscout::batch::detail {

AimdLimit::AimdLimit(int max_limit, int initial, double decrease) noexcept
    : max_(std::max(1, max_limit)),
      decrease_(decrease > 0.0 && decrease < 1.0 ? decrease : 0.5),
      limit_(std::clamp(initial, 1, max_)) {}

void AimdLimit::on_success(bool saturated) noexcept {
  if (saturated && limit_ < max_) ++limit_;
}

void AimdLimit::on_overload() noexcept {
  limit_ = std::max(1, static_cast<int>(std::floor(limit_ * decrease_)));
}

}  // namespace leadscout::batch::detail

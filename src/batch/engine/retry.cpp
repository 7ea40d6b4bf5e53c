// Exponential backoff with full jitter.
#include "retry.hpp"

#include <algorithm>
#include <cmath>

namespace leadscout::batch::detail {

int attempts_allowed(const RetryPolicy& policy, std::string_view reason) noexcept {
  const auto it = policy.max_attempts_by_reason.find(reason);
  return it == policy.max_attempts_by_reason.end() ? policy.max_attempts : std::min(policy.max_attempts, it->second);
}

std::chrono::milliseconds Backoff::cap(int failed_attempt) const noexcept {
  const double initial = static_cast<double>(policy_.initial_backoff.count());
  const double max = static_cast<double>(policy_.max_backoff.count());
  const double exponent = std::max(0, failed_attempt - 1);
  const double value = std::min(max, initial * std::pow(std::max(1.0, policy_.multiplier), exponent));
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::max(0.0, value)));
}

std::chrono::milliseconds Backoff::delay(int failed_attempt, std::chrono::milliseconds retry_after) noexcept {
  if (retry_after.count() > 0) return retry_after;
  const auto c = cap(failed_attempt);
  if (!policy_.jitter || c.count() <= 0) return c;
  std::uniform_int_distribution<std::int64_t> dist(0, c.count());
  return std::chrono::milliseconds(dist(rng_));
}

}  // namespace leadscout::batch::detail

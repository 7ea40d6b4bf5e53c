// Backoff between attempts: exponential with full jitter.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string_view>

#include "leadscout/batch/options.hpp"

namespace leadscout::batch::detail {

/// Attempts an item may have when its last one failed with `reason`: max_attempts, or less
/// when max_attempts_by_reason names the reason.
[[nodiscard]] int attempts_allowed(const RetryPolicy& policy, std::string_view reason) noexcept;

/// Computes the wait before the next attempt. Not thread-safe: one per worker.
class Backoff {
 public:
  Backoff(const RetryPolicy& policy, std::uint64_t seed) noexcept : policy_(policy), rng_(seed) {}
  /// The upper bound after `failed_attempt` (1-based) failed attempts.
  [[nodiscard]] std::chrono::milliseconds cap(int failed_attempt) const noexcept;
  /// The wait after `failed_attempt` failed attempts: `retry_after` when positive, otherwise
  /// uniform in [0, cap] (or cap itself without jitter).
  [[nodiscard]] std::chrono::milliseconds delay(int failed_attempt, std::chrono::milliseconds retry_after) noexcept;

 private:
  RetryPolicy policy_;
  std::mt19937_64 rng_;
};

}  // namespace leadscout::batch::detail

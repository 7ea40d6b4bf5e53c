// Adaptive in-flight limit: additive increase, multiplicative decrease.
#pragma once

namespace leadscout::batch::detail {

/// A limit on calls in flight between 1 and `max_limit`. It grows by one for each success while
/// the limit was the bottleneck (saturated), and is multiplied by `decrease` on a rate limit or
/// a timeout, so it settles just under what the provider accepts. Not thread-safe.
class AimdLimit {
 public:
  /// The first limit is min(max_limit, initial): a cold start probes before it floods.
  AimdLimit(int max_limit, int initial, double decrease = 0.5) noexcept;

  [[nodiscard]] int limit() const noexcept { return limit_; }
  [[nodiscard]] int max_limit() const noexcept { return max_; }
  /// A call succeeded; `saturated`: calls in flight had reached the limit.
  void on_success(bool saturated) noexcept;
  /// A call was rate limited or timed out.
  void on_overload() noexcept;

 private:
  int max_;
  double decrease_;
  int limit_;
};

}  // namespace leadscout::batch::detail

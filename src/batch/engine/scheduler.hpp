// Admission and scheduling: which attempt starts next.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "leadscout/batch/clock.hpp"
#include "quota/rate_limiter.hpp"

namespace leadscout::batch::detail {

/// Hands out attempts: first retries whose backoff has ended, then pending items in input
/// order, each start paced by the rate limit (a token bucket). Not thread-safe: the engine
/// calls it with its lock held.
class Scheduler {
 public:
  /// An attempt to start: item `index` after `done_attempts` earlier attempts.
  struct Attempt {
    std::size_t index = 0;
    int done_attempts = 0;
  };
  enum class Next {
    attempt,       ///< `out` holds the attempt to start
    rate_limited,  ///< an item waits for a token
    wait,          ///< nothing to start now; retries are waiting for their backoff
    exhausted,     ///< every item was handed out and no retry waits
  };

  Scheduler(double rate_per_second, double burst, Clock::time_point start) noexcept
      : limiter_(rate_per_second, burst, start) {}

  /// The items to run, in input order. The input is complete unless open_input() was called.
  void set_pending(std::vector<std::size_t> pending);
  /// A streamed input: more items come through add_pending() until close_input(); until then
  /// the scheduler is never exhausted.
  void open_input() noexcept { input_open_ = true; }
  void add_pending(const std::vector<std::size_t>& more);
  void close_input() noexcept { input_open_ = false; }
  [[nodiscard]] std::size_t pending() const noexcept { return pending_.size(); }

  /// The next attempt at `now`, or why there is none.
  [[nodiscard]] Next next(Clock::time_point now, Attempt& out) noexcept;
  /// Schedules attempt `attempts + 1` of `index` at `ready`.
  void add_retry(Clock::time_point ready, std::size_t index, int attempts);
  /// Makes retries due at `now` ready and ends a rate-limit wait once a token is available;
  /// true when workers should look for work again.
  [[nodiscard]] bool release(Clock::time_point now);

  /// True when something waits only for time: a retry's backoff or a rate-limit token.
  [[nodiscard]] bool waiting() const noexcept { return !retries_.empty() || !ready_.empty() || token_wait_; }
  /// True when an attempt could start at `now`: a retry is ready, or (with `admit_new`) a
  /// pending item and a token are.
  [[nodiscard]] bool work_ready(Clock::time_point now, bool admit_new) const noexcept;
  /// The earliest time something waiting becomes startable; Clock::time_point::max() if none.
  [[nodiscard]] Clock::time_point next_wake(Clock::time_point now) const noexcept;

 private:
  struct RetryEntry {
    Clock::time_point ready;
    std::size_t index;
    int attempts;
    bool operator>(const RetryEntry& o) const noexcept { return ready > o.ready; }
  };

  std::deque<std::size_t> pending_;
  bool input_open_ = false;
  std::priority_queue<RetryEntry, std::vector<RetryEntry>, std::greater<>> retries_;
  std::deque<Attempt> ready_;
  RateLimiter limiter_;
  bool token_wait_ = false;
};

}  // namespace leadscout::batch::detail

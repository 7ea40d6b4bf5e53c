// Time source of a batch run. Injected through Options::clock so that deadlines, backoff,
// rate limits, ETA and timeouts can be tested without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "leadscout/batch/export.hpp"

namespace leadscout::batch {

/// Steady time for intervals plus wall time for timestamps, and a wait the clock can drive.
class LEADSCOUT_BATCH_EXPORT Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;  ///< a point of the steady time
  using duration = std::chrono::steady_clock::duration;      ///< an interval of the steady time

  virtual ~Clock() = default;
  /// Monotonic time: every interval, timeout and deadline is measured on it.
  [[nodiscard]] virtual time_point now() const noexcept = 0;
  /// Wall time, for timestamps in files and logs.
  [[nodiscard]] virtual std::chrono::system_clock::time_point system_now() const noexcept = 0;
  /// Waits on `cv` (with `lock` held) until notified or until `deadline` on this clock; may
  /// return early. `idle` says that nothing but time can make progress (no callback runs),
  /// which lets a manual clock jump straight to `deadline`.
  virtual void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, time_point deadline,
                          bool idle) = 0;
};

/// The real clocks (std::chrono::steady_clock and system_clock).
[[nodiscard]] LEADSCOUT_BATCH_EXPORT std::shared_ptr<Clock> system_clock();

/// A clock that moves only when told to: advance() from any thread, or automatically to the
/// next deadline whenever the batch is idle (set_auto_advance). Thread-safe.
class LEADSCOUT_BATCH_EXPORT ManualClock final : public Clock {
 public:
  ManualClock() noexcept;
  [[nodiscard]] time_point now() const noexcept override;
  [[nodiscard]] std::chrono::system_clock::time_point system_now() const noexcept override;
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, time_point deadline,
                  bool idle) override;

  /// Moves time forward by `d` (never backwards).
  void advance(duration d) noexcept;
  /// When on (the default), an idle batch jumps to its next deadline instead of waiting.
  void set_auto_advance(bool on) noexcept { auto_advance_.store(on); }
  /// Time elapsed since construction.
  [[nodiscard]] duration elapsed() const noexcept { return duration(offset_.load()); }

 private:
  void advance_to(time_point t) noexcept;

  time_point start_;
  std::chrono::system_clock::time_point system_start_;
  std::atomic<duration::rep> offset_{0};
  std::atomic<bool> auto_advance_{true};
};

}  // namespace leadscout::batch

// The stop of a run: why it stops, and when its in-flight attempts are cancelled.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <stop_token>
#include <string>

#include "executor.hpp"
#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/log/logger.hpp"

namespace leadscout::batch::detail {

/// A run stops once, for the first reason given (a signal or stop(), the deadline, the failure
/// rate, a budget, a write error). In-flight attempts then have Options::shutdown_grace before
/// they are cancelled, or none after a second stop request. Guarded by the engine's lock, but
/// stopping() may be read from any thread.
class RunStop {
 public:
  RunStop(const Options& opt, Clock& clock, const leadscout::log::Logger& log) noexcept
      : opt_(opt), clock_(clock), log_(log) {}

  /// The run's deadline (Options::deadline) counts from `start`.
  void set_start(time_point start) noexcept;
  /// Begins the stop and logs "Batch stopping" with `in_flight` attempts; only the first call
  /// counts (true).
  bool begin(Status status, std::string reason, int signal, std::size_t in_flight);
  /// Begins the stop for the deadline when `now` reached it; true when it did.
  bool begin_if_past_deadline(time_point now, std::size_t in_flight);
  /// A failure found once the attempts ended (a final fsync): the run fails unless it failed
  /// already.
  void fail_late(std::string reason);

  /// Cancels in-flight attempts at the next look, without waiting for the grace.
  void cancel_now() noexcept { cancel_now_ = true; }
  /// True when in-flight attempts are to be cancelled at `now`.
  [[nodiscard]] bool cancel_due(time_point now) const noexcept;
  /// In-flight attempts were cancelled.
  void mark_cancelled() noexcept { cancelled_ = true; }
  /// The next time this stop needs a look: the deadline or the end of the grace; kNever for none.
  [[nodiscard]] time_point next_wake() const noexcept;

  [[nodiscard]] bool stopping() const noexcept { return stopping_.load(); }
  /// The flag behind stopping(), for the attempts.
  [[nodiscard]] const std::atomic<bool>& flag() const noexcept { return stopping_; }
  /// Requested when the stop begins: ends every wait for a quota's permit.
  [[nodiscard]] std::stop_token quota_token() const noexcept { return quota_stop_.get_token(); }
  [[nodiscard]] Status status() const noexcept { return status_; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
  [[nodiscard]] int signal() const noexcept { return signal_; }

 private:
  const Options& opt_;
  Clock& clock_;
  const leadscout::log::Logger& log_;
  std::atomic<bool> stopping_{false};
  bool cancelled_ = false;
  bool cancel_now_ = false;
  Status status_ = Status::completed;
  std::string reason_;
  int signal_ = 0;
  time_point deadline_at_ = kNever;
  time_point cancel_at_ = kNever;
  std::stop_source quota_stop_;
};

}  // namespace leadscout::batch::detail

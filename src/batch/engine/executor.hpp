// The executor seam: the engine admits attempts and keeps the run's books; an executor
// completes the attempts it is given.
//
// The contract, for every kind of executor (the worker pool runs each attempt on a thread of
// its own; a provider's batch API would submit admitted attempts in chunks and complete them
// when the provider answers, hours later):
// - Admission: an attempt exists only once ExecutorHost::admit() handed it out, which applies
//   the stop, the deadline, the retry order and the rate limit. From then on it is in flight.
// - Results: every admitted attempt ends exactly once, through completed(), timed_out() or
//   cancelled(). Before completed() the executor journals the outcome (format_record() into
//   the run's Journal) and commits a result to the Job after its record, so that what the
//   journal holds is what a resume skips and everything else runs again; the host journals
//   what timed_out() decides, and a cancelled attempt stays undone.
// - Quotas: a call to a provider waits for a Permit of quota(), ended by quota_stop().
// - Stop: the host calls wake() when the run starts stopping and cancel_all() when the grace
//   is over; wind_down() returns once nothing of the executor runs.
// - Telemetry: what an attempt's callback records with Context::observe() and count() goes to
//   telemetry() at once, whatever the attempt's outcome: the calls were made.
// - Locking: every method of both interfaces is called with the host's mutex() held, but
//   ExecutorHost::quota(), quota_stop() and telemetry(), which any thread may call;
//   deliver_stops() and wind_down() release it for a while. Neither side calls user code while it is held.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/outcome.hpp"
#include "leadscout/batch/progress.hpp"
#include "leadscout/batch/quota.hpp"
#include "output/run_report.hpp"
#include "output/run_telemetry.hpp"
#include "quota/quota_state.hpp"
#include "scheduler.hpp"

namespace leadscout::batch::detail {

using time_point = Clock::time_point;
inline constexpr time_point kNever = time_point::max();

/// How an attempt ended, as reported to ExecutorHost::completed().
struct Finished {
  /// write_error: the journal or the results file could not be written (`reason` says which).
  /// dropped: the attempt was timed out or cancelled before it returned; the executor keeps it.
  enum class Kind { none, ok, failed, retry, abandoned, dropped, write_error } kind = Kind::none;
  std::size_t index = 0;
  int attempts = 0;
  double seconds = 0.0;
  time_point ready{};  ///< retry: when the next attempt may start
  std::string reason;
  bool halt = false;  ///< the failure stops the run (Failure::halt)
};

/// What admit() found.
enum class Admit {
  attempt,  ///< `out` holds the attempt, in flight from now on
  wait,     ///< nothing to start now: ask again after Executor::wake()
  end,      ///< no more work for this executor: the run is done or stopping
};

/// The engine's side of the seam.
class ExecutorHost {
 public:
  virtual ~ExecutorHost() = default;

  /// The lock of the run's state.
  [[nodiscard]] virtual std::mutex& mutex() noexcept = 0;
  /// Wakes the coordinator, which owns every timer (an attempt's deadline moved).
  virtual void wake_coordinator() = 0;
  /// Wakes the coordinator if it sleeps past `deadline`, the deadline of a new attempt.
  virtual void wake_coordinator_by(time_point deadline) = 0;

  // ---- admission ----
  /// The next attempt at the host's clock's now (returned in `now`).
  [[nodiscard]] virtual Admit admit(Scheduler::Attempt& out, time_point& now) = 0;

  // ---- results ----
  /// An attempt that returned: ok, failed, retry, abandoned (left for a resume) or a write error.
  virtual void completed(const Finished& finished, const MetricList& metrics) = 0;
  /// The executor took the attempt away past its deadline (the attempt may still run); the
  /// host retries or fails the item. True when the item failed finally and its streamed slot is
  /// to be released once the attempt returns (release_item()).
  [[nodiscard]] virtual bool timed_out(std::size_t index, int attempt, double seconds, time_point now) = 0;
  /// The executor took `count` attempts away for the stop's cancellation; they stay undone.
  virtual void cancelled(std::size_t count) = 0;
  /// The item in `index` is no longer used by the executor (a streamed input's slot).
  virtual void release_item(std::size_t index) = 0;

  // ---- quotas ----
  /// The quota named `name`; throws Error for a name that is not a quota of the run. Any thread.
  [[nodiscard]] virtual const std::shared_ptr<QuotaState>& quota(std::string_view name) const = 0;
  /// Requested when the run stops: ends every wait for a permit. Any thread.
  [[nodiscard]] virtual std::stop_token quota_stop() const noexcept = 0;
  /// The budget of quota `name` cannot hold the next call or batch: stops the run. Under the
  /// lock.
  virtual void budget_exhausted(std::string_view name, const QuotaState& quota) = 0;

  // ---- telemetry ----
  /// The run's callback histograms and counters (thread-safe on its own). Any thread.
  [[nodiscard]] virtual RunTelemetry& telemetry() noexcept = 0;
};

/// The other side: what completes attempts. Called by the coordinator (run()'s thread).
class Executor {
 public:
  virtual ~Executor() = default;

  /// Starts taking attempts: work begins once the lock is released.
  virtual void start() = 0;
  /// Something changed for admission (work was added, the run stops): ask admit() again.
  virtual void wake() = 0;
  /// Times out attempts past their deadline and warns once about each attempt that ignores
  /// its cancellation past Options::cancel_grace.
  virtual void check(time_point now) = 0;
  /// The earliest time check() has something to do; kNever for none.
  [[nodiscard]] virtual time_point next_wake() const = 0;
  /// Takes every attempt in flight away (the stop's grace is over).
  virtual void cancel_all(time_point now) = 0;
  /// Tells the attempts taken away to stop, with the lock released; false when there were none.
  virtual bool deliver_stops(std::unique_lock<std::mutex>& lock) = 0;
  /// True while an attempt runs within its deadline (the watchdog's sign of life).
  [[nodiscard]] virtual bool busy(time_point now) const = 0;
  /// What the most recently started attempt works on, for the progress file.
  [[nodiscard]] virtual std::optional<std::string> current_item() = 0;
  /// The batches at a provider that the executor waits for, for the progress file.
  [[nodiscard]] virtual std::vector<BatchReport> batches(time_point) const { return {}; }
  /// Takes no more work and returns once nothing of the executor runs, still warning about
  /// attempts that ignore their cancellation. `lock` holds the host's mutex on entry and exit.
  virtual void wind_down(std::unique_lock<std::mutex>& lock) = 0;
};

}  // namespace leadscout::batch::detail

// A thread of the worker pool and the attempts it runs.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "executor.hpp"
#include "journal/journal.hpp"
#include "journal/usage_ledger.hpp"
#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/detail/job.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/outcome.hpp"
#include "leadscout/batch/quota.hpp"
#include "leadscout/batch/telemetry.hpp"
#include "leadscout/log/logger.hpp"
#include "output/results_writer.hpp"
#include "output/run_report.hpp"
#include "quota/quota_state.hpp"
#include "retry.hpp"

namespace leadscout::batch::detail {

/// Where a worker's attempt is. kRunning is the only state in which the attempt is in flight;
/// the coordinator claims it away (kTimedOut, kCancelled) and the worker ends it (kFinishing).
enum WorkerState : int { kIdle = 0, kRunning = 1, kFinishing = 2, kTimedOut = 3, kCancelled = 4 };

/// What an attempt needs besides its worker; shared by all workers.
struct AttemptEnv {
  Job& job;
  Journal& journal;
  const Options& opt;
  Clock& clock;
  const leadscout::log::Logger& log;
  const std::vector<std::string>& ids;
  const std::atomic<bool>& stopping;
  ResultsWriter* results;  ///< the results file; nullptr without one
};

/// One thread of the worker pool and the attempt it runs; it talks back to the engine only
/// through its ExecutorHost. Owned by the pool. The coordinator side (the pool's methods, under
/// the host's lock) starts, claims and checks attempts; the attempt's results belong to the
/// worker's thread until report() hands them to the host, under the lock.
class Worker {
 public:
  Worker(std::size_t n, ExecutorHost& run, const AttemptEnv& attempt_env, std::uint64_t seed)
      : number_(n), host_(run), env_(attempt_env), backoff_(attempt_env.opt.retry, seed) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // ---- the worker's thread, started and joined by the pool ----
  /// Runs `body` on the worker's own thread; join() waits for it.
  template <class Body>
  void launch(Body&& body) {
    thread_ = std::thread(std::forward<Body>(body));
  }
  void join() { thread_.join(); }
  /// Runs the started attempt and records its outcome for report(). On the worker's thread.
  void run_attempt();

  // ---- under the host's lock: the pool's side ----
  /// Begins attempt `attempt` of item `index` at `now`.
  void start(std::size_t index, int attempt, Clock::time_point now, std::chrono::milliseconds timeout);
  /// Hands the outcome of the last attempt, if any, to the host.
  void report();
  /// Takes the running attempt away from the worker as `new_state` (kTimedOut, kCancelled);
  /// returns the attempt's stop source to request once the lock is released, or nullopt when
  /// the attempt finished first.
  [[nodiscard]] std::optional<std::stop_source> claim(int new_state, Clock::time_point now);
  /// After claim(kTimedOut): logs the timeout and tells the quota and the host.
  void timed_out(Clock::time_point now);
  /// Whether an attempt seen in `state` runs past its deadline (not while it waits for a permit).
  [[nodiscard]] bool overdue(int state, Clock::time_point now) const noexcept;
  /// Warns, once, about an attempt seen claimed in `state` whose callback still runs after
  /// Options::cancel_grace.
  void warn_if_ignoring_cancellation(int state, Clock::time_point now);
  /// The earliest time overdue() or the cancellation warning can change; kNever for none.
  [[nodiscard]] Clock::time_point next_wake(bool timeouts) const noexcept;
  /// Whether an attempt is in flight and before its deadline.
  [[nodiscard]] bool busy(Clock::time_point now) const noexcept;

  // ---- either side ----
  [[nodiscard]] int state() const noexcept { return state_.load(); }
  /// When the attempt in flight started; with state() kRunning.
  [[nodiscard]] Clock::time_point started() const noexcept { return started_; }
  /// The attempt's deadline; Clock::time_point::max() without a timeout. Moved by acquire().
  [[nodiscard]] Clock::time_point deadline() const noexcept { return deadline_; }
  /// The run's logger; Context::log() binds the item to it.
  [[nodiscard]] const leadscout::log::Logger& log() const noexcept { return env_.log; }
  /// The item in flight, for the progress file: its Context::set_current() text, else its id;
  /// nullopt when no attempt is in flight.
  [[nodiscard]] std::optional<std::string> current_item();

  // ---- Context, on the worker's thread ----
  /// Context::set_current() of the running attempt.
  void set_current(std::string_view text);
  /// Context::metric() of the running attempt.
  void add_metric(std::string_view name, std::int64_t delta);
  /// Context::observe(): recorded in the run's telemetry at once, whatever the attempt's outcome.
  void observe(const Histogram& histogram, std::span<const MetricLabel> labels, double value);
  /// Context::count(): recorded in the run's telemetry at once.
  void count(std::string_view name, std::string_view help, std::span<const MetricLabel> labels, double delta);
  /// Context::acquire(): waits for a permit of quota `name` with the attempt's deadline paused
  /// (the wait is not the call's time); `attempt_stop` ends the wait, and so does the run's stop.
  [[nodiscard]] Permit acquire(const std::stop_token& attempt_stop, std::string_view name, Usage estimate);
  /// Context::charge(): adds `used` to quota `name` and to the attempt's journaled usage.
  void charge(std::string_view name, Usage used);

 private:
  bool finish_running() noexcept;
  void dropped(std::string_view item, bool ok, int previous_state);
  void succeeded(std::string_view item);
  void failed(std::string_view item, Clock::time_point end);
  /// Journals what an attempt that did not finish its item charged; false after a write error.
  bool journal_usage(std::string_view item);
  void write_failed(std::string_view file, int err);

  const std::size_t number_;
  ExecutorHost& host_;     ///< admission, results, quotas and telemetry
  const AttemptEnv& env_;  ///< what every attempt of the run shares
  std::atomic<int> state_{kIdle};
  // Written under the host's lock when an attempt starts or is claimed.
  std::size_t index_ = 0;
  int attempt_ = 0;
  Clock::time_point started_{};
  Clock::time_point deadline_{};
  Clock::time_point claimed_at_{};
  bool warned_ignoring_ = false;
  bool release_slot_ = false;  ///< a streamed item that timed out finally: its slot frees when the callback returns
  std::stop_source stop_;
  /// Waiting in Context::acquire(): the attempt's deadline is paused. Guarded by the host's lock.
  bool quota_wait_ = false;
  /// The quota of the attempt's last permit, told about a timeout. Guarded by the host's lock.
  std::shared_ptr<QuotaState> quota_;
  // Owned by the worker thread.
  std::shared_ptr<UsageLedger> ledger_ = std::make_shared<UsageLedger>();
  UsageList usage_;             ///< what the last attempt's permits charged
  bool quota_refused_ = false;  ///< the attempt's acquire() returned no permit
  std::string result_json_;
  std::string line_;
  MetricList metrics_;
  Failure failure_;
  Backoff backoff_;
  Finished finished_;
  std::thread thread_;

  std::mutex current_m_;  ///< guards the two below and the end of kRunning
  std::string current_text_;
  bool current_set_ = false;
};

/// Milliseconds to the microsecond, so logs say 1840.275 rather than 1840.2750000000001.
[[nodiscard]] double rounded_ms(double seconds) noexcept;

}  // namespace leadscout::batch::detail

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
/// through its ExecutorHost. Owned by the pool, whose coordinator side writes the fields
/// marked as guarded under the host's lock; the rest belongs to the worker's thread.
struct Worker {
  Worker(std::size_t n, ExecutorHost& run, const AttemptEnv& attempt_env, std::uint64_t seed)
      : number(n), log(attempt_env.log), host(run), env(attempt_env), backoff(attempt_env.opt.retry, seed) {}

  /// Begins attempt `attempt` of item `index` at `now`; called under the host's lock.
  void start(std::size_t index, int attempt, Clock::time_point now, std::chrono::milliseconds timeout);
  /// Runs the started attempt and records its outcome in `finished`. On the worker's thread.
  void run_attempt();
  /// The item in flight, for the progress file: its Context::set_current() text, else `id`;
  /// nullopt when no attempt is in flight.
  [[nodiscard]] std::optional<std::string> current_item(std::string_view id);
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

  const std::size_t number;
  const leadscout::log::Logger& log;  ///< the run's; Context::log() binds the item to it
  std::atomic<int> state{kIdle};
  // Written under the host's lock when an attempt starts or is claimed.
  std::size_t index = 0;
  int attempt = 0;
  Clock::time_point started{};
  Clock::time_point deadline{};
  Clock::time_point claimed_at{};
  bool warned_ignoring = false;
  bool release_slot = false;  ///< a streamed item that timed out finally: its slot frees when the callback returns
  std::stop_source stop;
  /// Waiting in Context::acquire(): the attempt's deadline is paused. Guarded by the host's lock.
  bool quota_wait = false;
  /// The quota of the attempt's last permit, told about a timeout. Guarded by the host's lock.
  std::shared_ptr<QuotaState> quota;
  ExecutorHost& host;     ///< admission, results, quotas and telemetry
  const AttemptEnv& env;  ///< what every attempt of the run shares
  // Owned by the worker thread.
  std::shared_ptr<UsageLedger> ledger = std::make_shared<UsageLedger>();
  UsageList usage;            ///< what the last attempt's permits charged
  bool quota_refused = false;  ///< the attempt's acquire() returned no permit
  std::string result_json;
  std::string line;
  MetricList metrics;
  Failure failure;
  Backoff backoff;
  Finished finished;
  std::thread thread;

 private:
  bool finish_running() noexcept;
  void dropped(std::string_view item, bool ok, int previous_state);
  void succeeded(std::string_view item);
  void failed(std::string_view item, Clock::time_point end);
  /// Journals what an attempt that did not finish its item charged; false after a write error.
  bool journal_usage(std::string_view item);
  void write_failed(std::string_view file, int err);

  std::mutex current_m_;  ///< guards the two below and the end of kRunning
  std::string current_text_;
  bool current_set_ = false;
};

/// Milliseconds to the microsecond, so logs say 1840.275 rather than 1840.2750000000001.
[[nodiscard]] double rounded_ms(double seconds) noexcept;

}  // namespace leadscout::batch::detail

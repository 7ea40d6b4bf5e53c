// A worker thread of the engine and the attempts it runs.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "journal/journal.hpp"
#include "quota/quota_state.hpp"
#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/detail/engine.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/outcome.hpp"
#include "leadscout/log/logger.hpp"
#include "output/results_writer.hpp"
#include "retry.hpp"
#include "output/run_report.hpp"
#include "journal/usage_ledger.hpp"

namespace leadscout::batch::detail {

/// Where a worker's attempt is. kRunning is the only state in which the attempt is in flight;
/// the coordinator claims it away (kTimedOut, kCancelled) and the worker ends it (kFinishing).
enum WorkerState : int { kIdle = 0, kRunning = 1, kFinishing = 2, kTimedOut = 3, kCancelled = 4 };

/// What a worker did with its last attempt, recorded under the engine's lock when it takes the next.
struct Finished {
  /// write_error: the journal or the results file could not be written (`reason` says which).
  enum class Kind { none, ok, failed, retry, abandoned, dropped, write_error } kind = Kind::none;
  std::size_t index = 0;
  int attempts = 0;
  double seconds = 0.0;
  Clock::time_point ready{};
  std::string reason;
  bool halt = false;  ///< the failure stops the run (Failure::halt)
};

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

struct Worker {
  Worker(std::size_t n, const leadscout::log::Logger& engine_log, const RetryPolicy& policy, std::uint64_t seed)
      : number(n), log(engine_log), backoff(policy, seed) {}

  /// Begins attempt `attempt` of item `index` at `now`; called under the engine's lock.
  void start(std::size_t index, int attempt, Clock::time_point now, std::chrono::milliseconds timeout);
  /// Runs the started attempt and records its outcome in `finished`. On the worker's thread.
  void run_attempt(const AttemptEnv& env);
  /// The item in flight, for the progress file: its Context::set_current() text, else `id`;
  /// nullopt when no attempt is in flight.
  [[nodiscard]] std::optional<std::string> current_item(std::string_view id);
  /// Context::set_current() of the running attempt.
  void set_current(std::string_view text);

  const std::size_t number;
  const leadscout::log::Logger& log;  ///< the engine's; Context::log() binds the item to it
  std::atomic<int> state{kIdle};
  // Written under the engine's lock when an attempt starts or is claimed.
  std::size_t index = 0;
  int attempt = 0;
  Clock::time_point started{};
  Clock::time_point deadline{};
  Clock::time_point claimed_at{};
  bool warned_ignoring = false;
  bool release_slot = false;  ///< a streamed item that timed out finally: its slot frees when the callback returns
  std::stop_source stop;
  /// Waiting in Context::acquire(): the attempt's deadline is paused. Guarded by the engine's lock.
  bool quota_wait = false;
  /// The quota of the attempt's last permit, told about a timeout. Guarded by the engine's lock.
  std::shared_ptr<QuotaState> quota;
  Engine::State* engine = nullptr;  ///< set once, before the thread starts
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
  void dropped(const AttemptEnv& env, std::string_view item, bool ok, int previous_state);
  void succeeded(const AttemptEnv& env, std::string_view item);
  void failed(const AttemptEnv& env, std::string_view item, Clock::time_point end);
  /// Journals what an attempt that did not finish its item charged; false after a write error.
  bool journal_usage(const AttemptEnv& env, std::string_view item);
  void write_failed(std::string_view file, int err);

  std::mutex current_m_;  ///< guards the two below and the end of kRunning
  std::string current_text_;
  bool current_set_ = false;
};

/// Milliseconds to the microsecond, so logs say 1840.275 rather than 1840.2750000000001.
[[nodiscard]] double rounded_ms(double seconds) noexcept;

}  // namespace leadscout::batch::detail

// The shared state of a run: the engine's lock, the stop, the workers and the coordinator.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "halt.hpp"
#include "journal/journal.hpp"
#include "leadscout/batch/detail/engine.hpp"
#include "leadscout/log/logger.hpp"
#include "phases.hpp"
#include "output/publisher.hpp"
#include "quota/quota_registry.hpp"
#include "retry.hpp"
#include "output/run_report.hpp"
#include "scheduler.hpp"
#include "stream_feeder.hpp"
#include "journal/stream_resume.hpp"
#include "worker.hpp"

namespace leadscout::batch::detail {

using time_point = Clock::time_point;
inline constexpr time_point kNever = time_point::max();

/// Workers take attempts in the scheduler's order; one coordinator (run()'s thread) owns all
/// timing: retries, timeouts, the deadline, rate-limit wake-ups, progress, group commit, and
/// the phase callbacks. Members below `m` are guarded by it unless noted.
struct Engine::State {
  explicit State(const Options& o);

  // ---- configuration, fixed once run() starts ----
  Options opt;
  std::shared_ptr<Clock> clock;
  leadscout::log::Logger log;
  Job* job = nullptr;
  const std::vector<std::string>* ids = nullptr;
  Journal journal;                    ///< append() from workers, sync() from the coordinator
  PhaseSequence phases;               ///< run()'s thread only
  std::optional<AttemptEnv> env;
  std::optional<QuotaRegistry> quotas;  ///< thread-safe on its own
  ResultsWriter results;                ///< Options::results as a file; write() is thread-safe
  std::stop_source quota_stop;          ///< requested at the stop: waits in acquire() end
  std::size_t journal_lines_dropped = 0;
  std::unique_ptr<StreamResume> stream_resume;  ///< a streamed input's journal
  std::unique_ptr<StreamFeeder> feeder;         ///< a streamed input's reader; its free list under m
  std::string input_error;  ///< why a streamed input could not be read on (under m); the run then fails

  // ---- shared state, guarded by m ----
  std::mutex m;
  std::condition_variable work_cv;
  std::condition_variable coord_cv;
  Scheduler scheduler;
  RunReport report;
  HaltWindow halt;
  Publisher publisher;  ///< snapshot() and the watchdog under m; writes without it
  Backoff coord_backoff;  ///< backoff of timed-out attempts
  std::vector<std::unique_ptr<Worker>> workers;
  std::size_t in_flight = 0;
  std::size_t live_workers = 0;
  bool done = false;
  bool quit = false;
  std::atomic<bool> stopping{false};  ///< also read without m
  bool cancelled = false;
  bool cancel_now = false;
  Status stop_status = Status::completed;
  std::string stop_reason;
  int signal = 0;
  time_point start{};
  time_point deadline_at = kNever;
  time_point cancel_at = kNever;
  time_point coord_wake_at = kNever;
  std::vector<std::stop_source> stops_to_request;

  [[nodiscard]] std::string_view id(std::size_t index) const { return (*ids)[index]; }

  // ---- the stop ----
  /// Starts a graceful stop (the first call counts); m held.
  void begin_stop(Status status, std::string reason, int sig);
  /// Tells STOPPING=1 and the stopping phase, with m released; m held on entry and exit.
  void announce_stopping(std::unique_lock<std::mutex>& lock);

  // ---- workers (m held) ----
  void worker_main(Worker& w);
  /// Gives `w` its next attempt; false when the worker should exit.
  bool take(std::unique_lock<std::mutex>& lock, Worker& w);
  /// Counts what `w` did with its last attempt.
  void record(Worker& w);
  void record_failure(std::size_t index, int attempts, double seconds, std::string reason);
  /// Takes an attempt away from its worker (timeout or cancellation); false when it already finished.
  bool claim(Worker& w, int new_state, time_point now);
  void on_timeout(Worker& w, time_point now);
  void cancel_all(time_point now);
  /// Context::acquire(): waits for a permit of quota `name` with the attempt's deadline paused,
  /// and stops the run when the budget cannot fit the estimate. Without m held.
  Permit acquire(Worker& w, Context& ctx, std::string_view name, Usage estimate);
  /// Times out attempts past their deadline and warns about callbacks that ignore a cancel.
  void check_workers(time_point now);
  /// The earliest attempt deadline or cancel-grace end among the workers.
  [[nodiscard]] time_point workers_wake() const;

  // ---- a streamed input (m held) ----
  /// Reads one chunk with m released and schedules its items.
  void feed(std::unique_lock<std::mutex>& lock);
  /// Applies a chunk read by the feeder; the first chunk's error is thrown by the caller.
  void apply_chunk(const StreamFeeder::Chunk& chunk);
  /// The item in `index` is done: a streamed input's slot is free again.
  void release_item(std::size_t index);

  // ---- the coordinator (m held) ----
  void coordinate(std::unique_lock<std::mutex>& lock);
  /// Sleeps until the next timer, a notification, or (idle) until time moves.
  void wait(std::unique_lock<std::mutex>& lock, time_point now, time_point next_progress, time_point next_sync);
  /// Requests the stops of claimed attempts, with m released.
  void request_stops(std::unique_lock<std::mutex>& lock);
  [[nodiscard]] ProgressSnapshot snapshot(Status status, time_point now);
  /// Writes the progress files and the bar with m released.
  void publish(std::unique_lock<std::mutex>& lock, Status status, time_point now);
  /// Group commit; called without m held.
  int sync_journal();
};

}  // namespace leadscout::batch::detail

// One run of the engine: the parts it owns and the coordinator that drives them.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "executor.hpp"
#include "halt.hpp"
#include "journal/journal.hpp"
#include "journal/resume.hpp"
#include "journal/stream_resume.hpp"
#include "leadscout/batch/detail/engine.hpp"
#include "leadscout/log/logger.hpp"
#include "output/publisher.hpp"
#include "output/results_writer.hpp"
#include "output/run_report.hpp"
#include "output/run_telemetry.hpp"
#include "phases.hpp"
#include "quota/quota_registry.hpp"
#include "retry.hpp"
#include "run_stop.hpp"
#include "scheduler.hpp"
#include "stream_feeder.hpp"
#include "worker.hpp"

namespace leadscout::batch::detail {

/// The engine admits attempts in the scheduler's order and keeps the run's books (journal,
/// report, stop); the executor completes the attempts (see executor.hpp). One coordinator
/// (run()'s thread) owns all timing: retries, timeouts, the deadline, rate-limit wake-ups,
/// progress, group commit and the phase callbacks. Members below `m_` are guarded by it
/// unless noted.
struct Engine::State final : ExecutorHost {
 public:
  explicit State(const Options& o);

  /// Engine::run().
  RunStats run(Job& job);
  /// Engine::request_stop().
  void request_stop(int signal) noexcept;
  /// Has run() complete attempts through `runner` (a DeferredExecutor) instead of workers.
  void set_runner(DeferredRunner& runner) noexcept { runner_ = &runner; }

  // ---- ExecutorHost ----
  [[nodiscard]] std::mutex& mutex() noexcept override { return m_; }
  void wake_coordinator() override { coord_cv_.notify_one(); }
  void wake_coordinator_by(time_point deadline) override;
  [[nodiscard]] Admit admit(Scheduler::Attempt& out, time_point& now) override;
  void completed(const Finished& finished, const MetricList& metrics) override;
  [[nodiscard]] bool timed_out(std::size_t index, int attempt, double seconds, time_point now) override;
  void cancelled(std::size_t count) override;
  void release_item(std::size_t index) override;
  [[nodiscard]] const std::shared_ptr<QuotaState>& quota(std::string_view name) const override;
  [[nodiscard]] std::stop_token quota_stop() const noexcept override { return stop_.quota_token(); }
  void budget_exhausted(std::string_view name, const QuotaState& quota) override;
  [[nodiscard]] RunTelemetry& telemetry() noexcept override { return telemetry_; }

 private:
  [[nodiscard]] std::string_view id(std::size_t index) const { return (*ids_)[index]; }

  // ---- setup and end (engine.cpp) ----
  /// Sets the run up for `job`: its resume (`resume`, or a streamed input's), quotas, totals and
  /// files; returns the run's shard.
  std::optional<ShardSpec> prepare(Job& job, std::optional<Resume>& resume);
  /// Replays the journal into the report and the scheduler and logs "Batch started".
  void load(Resume& resume);
  /// A streamed input: replays the journal, then reads the first chunk before anything starts.
  void load_stream();
  /// Hands each result the journal has as ok to the results file, which completes itself.
  [[nodiscard]] Resume::OkCallback reconcile_results();
  void end_reconcile();
  void log_started(std::size_t pending, const std::optional<ShardSpec>& shard);
  /// Writes the starting file, starts the executor and tells that the run is running.
  void start_executor(std::unique_lock<std::mutex>& lock);
  /// Syncs and closes the journal, writes the final files, tells the last phases, logs the summary.
  RunStats finish(std::unique_lock<std::mutex>& lock);

  // ---- the stop (m_ held) ----
  /// Starts a graceful stop (the first call counts) and wakes everyone.
  void begin_stop(Status status, std::string reason, int signal);
  /// Begins the stop when `now` reached the run's deadline; true when it did.
  bool stop_if_past_deadline(time_point now);
  /// Tells STOPPING=1 and the stopping phase, with m_ released; m_ held on entry and exit.
  void announce_stopping(std::unique_lock<std::mutex>& lock);
  void record_failure(std::size_t index, int attempts, double seconds, std::string reason);

  // ---- a streamed input (m_ held) ----
  /// Reads one chunk with m_ released and schedules its items.
  void feed(std::unique_lock<std::mutex>& lock);
  /// Applies a chunk read by the feeder; the first chunk's error is thrown by the caller.
  void apply_chunk(const StreamFeeder::Chunk& chunk);

  // ---- the coordinator (engine_coordinator.cpp, m_ held) ----
  void coordinate(std::unique_lock<std::mutex>& lock);
  /// Sleeps until the next timer, a notification, or (idle) until time moves.
  void wait(std::unique_lock<std::mutex>& lock, time_point now, time_point next_progress, time_point next_sync);
  [[nodiscard]] ProgressSnapshot snapshot(Status status, const std::string& reason, time_point now);
  /// Writes the progress files and the bar with m_ released.
  void publish(std::unique_lock<std::mutex>& lock, Status status, time_point now);
  /// Group commit; called without m_ held.
  int sync_journal();

  // ---- configuration, fixed once run() starts ----
  Options opt_;
  std::shared_ptr<Clock> clock_;
  leadscout::log::Logger log_;
  Job* job_ = nullptr;
  const std::vector<std::string>* ids_ = nullptr;
  Journal journal_;                    ///< append() from the executor, sync() from the coordinator
  PhaseSequence phases_;               ///< run()'s thread only
  std::optional<AttemptEnv> env_;
  std::optional<QuotaRegistry> quotas_;  ///< thread-safe on its own
  ResultsWriter results_;                ///< Options::results as a file; write() is thread-safe
  RunTelemetry telemetry_;               ///< Context::observe() and count(); thread-safe on its own
  std::size_t journal_lines_dropped_ = 0;
  std::unique_ptr<StreamResume> stream_resume_;  ///< a streamed input's journal
  std::unique_ptr<StreamFeeder> feeder_;         ///< a streamed input's reader; its free list under m_
  DeferredRunner* runner_ = nullptr;  ///< set: a DeferredExecutor completes the attempts
  std::vector<std::string> notes_;    ///< the runner's journal notes, until it starts
  std::string input_error_;  ///< why a streamed input could not be read on (under m_); the run then fails

  // ---- shared state, guarded by m_ ----
  std::mutex m_;
  std::condition_variable coord_cv_;
  RunStop stop_;  ///< stopping() also read without m_
  Scheduler scheduler_;
  RunReport report_;
  HaltWindow halt_;
  Publisher publisher_;  ///< snapshot() and the watchdog under m_; writes without it
  Backoff coord_backoff_;  ///< backoff of timed-out attempts
  std::unique_ptr<Executor> executor_;  ///< from the start of the attempts
  std::size_t in_flight_ = 0;
  bool done_ = false;
  time_point start_{};
  time_point coord_wake_at_ = kNever;
};

}  // namespace leadscout::batch::detail

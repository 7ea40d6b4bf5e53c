// One run of a batch, from the checks of its options to the final report.
#include "leadscout/batch/detail/engine.hpp"

#include <cstring>
#include <random>
#include <thread>

#include "engine_state.hpp"
#include "journal/resume.hpp"
#include "signals.hpp"

namespace leadscout::batch::detail {

namespace {

std::uint64_t random_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

void check_options(const Options& opt) {
  if (opt.operation.empty() || opt.operation.find('/') != std::string::npos) {
    throw leadscout::Error("Options::operation must be a non-empty file name, got \"" + opt.operation + "\"");
  }
  if (opt.concurrency == 0) throw leadscout::Error("Options::concurrency must be at least 1");
  if (opt.retry.max_attempts < 1) throw leadscout::Error("Options::retry.max_attempts must be at least 1");
  for (const auto& [reason, attempts] : opt.retry.max_attempts_by_reason) {
    if (attempts < 1) {
      throw leadscout::Error("Options::retry.max_attempts_by_reason[\"" + reason + "\"] must be at least 1, got " +
                  std::to_string(attempts));
    }
  }
  if (opt.halt_failure_rate < 0.0 || opt.halt_failure_rate > 1.0) {
    throw leadscout::Error("Options::halt_failure_rate must be between 0 and 1");
  }
}

/// Hands each result the journal has as ok to the results file, which completes itself.
Resume::OkCallback reconcile_results(Engine::State& s) {
  return [&s](std::string_view id, std::string_view result) {
    if (!s.results.is_open()) return;
    if (const int err = s.results.reconcile(id, result); err != 0) {
      throw leadscout::Error("cannot write results file " + s.results.path().string() + ": " + std::strerror(err));
    }
  };
}

void end_reconcile(Engine::State& s) {
  if (!s.results.is_open()) return;
  s.results.end_reconcile();
  if (s.results.reconciled() > 0) {
    s.log.warning("Results file completed from the journal",
                  {{"path", s.results.path().string()}, {"results", s.results.reconciled()}});
  }
}

void log_started(Engine::State& s, std::size_t pending, const std::optional<ShardSpec>& shard) {
  s.log.info("Batch started",
             {{"total", s.report.total_known() ? leadscout::log::Value(s.report.total()) : leadscout::log::Value(nullptr)},
              {"pending", pending},
              {"resumed", s.report.resumed()},
              {"concurrency", s.opt.concurrency},
              {"shard", shard ? std::to_string(shard->index) + "/" + std::to_string(shard->count) : std::string()},
              {"journal", s.publisher.files().journal.string()}});
}

/// Replays the journal into the run's report and scheduler and logs "Batch started".
void load(Engine::State& s, Resume& resume) {
  const JournalHeader header = resume.header(s.opt.operation, s.publisher.started_at());
  std::vector<std::size_t> pending = resume.replay(s.journal, s.publisher.files().journal, header, *s.job, s.opt,
                                                   s.log, s.report, reconcile_results(s));
  end_reconcile(s);
  const std::size_t n_pending = pending.size();
  {
    std::lock_guard lock(s.m);
    s.scheduler.set_pending(std::move(pending));
  }
  log_started(s, n_pending, resume.shard());
}

/// A streamed input: replays the journal, then reads the first chunk before anything starts,
/// so that an input that changed is refused as a whole one is.
void load_stream(Engine::State& s) {
  StreamResume& resume = *s.stream_resume;
  const JournalHeader header = resume.header(s.opt.operation, s.publisher.started_at());
  resume.replay(s.journal, s.publisher.files().journal, header, *s.job, s.opt, s.log, s.report, reconcile_results(s));
  end_reconcile(s);
  const StreamFeeder::Chunk chunk = s.feeder->read(*s.job, s.feeder->take_slots(), s.journal);
  if (!chunk.error.empty()) throw leadscout::Error(chunk.error);
  std::lock_guard lock(s.m);
  s.scheduler.open_input();
  s.apply_chunk(chunk);
  log_started(s, chunk.run.size(), resume.shard());
}

/// Writes the starting file, starts the workers and tells that the run is running.
void start_workers(Engine::State& s, std::unique_lock<std::mutex>& lock) {
  s.publish(lock, Status::starting, s.clock->now());
  if (s.stopping.load()) s.announce_stopping(lock);  // a stop during the replay
  const std::uint64_t seed = s.opt.seed != 0 ? s.opt.seed : random_seed();
  s.coord_backoff = Backoff(s.opt.retry, seed ^ 0x5bd1e995ULL);
  for (std::size_t n = 0; n < s.opt.concurrency; ++n) {
    s.workers.push_back(std::make_unique<Worker>(n, s.log, s.opt.retry, seed + 0x9E3779B97F4A7C15ULL * (n + 1)));
    s.workers.back()->engine = &s;
  }
  s.publish(lock, Status::running, s.clock->now());
  lock.unlock();
  s.phases.advance(RunPhase::running);  // skipped when a stop began first
  s.publisher.announce_ready(s.clock->now());  // after the first write: READY=1 comes first
  lock.lock();
  s.live_workers = s.workers.size();
  // Workers log with the context fields of the code that called run().
  const leadscout::log::Context context = leadscout::log::Context::capture();
  for (auto& w : s.workers) {
    Worker* wp = w.get();
    w->thread = std::thread([&s, wp, context] {
      const leadscout::log::ScopedContext scope(context);
      s.worker_main(*wp);
    });
  }
}

/// Lets the workers exit, warning about callbacks that ignore cancellation, and joins them.
void wind_down(Engine::State& s, std::unique_lock<std::mutex>& lock) {
  s.quit = true;
  s.work_cv.notify_all();
  while (s.live_workers > 0) {
    const time_point now = s.clock->now();
    time_point wake = kNever;
    for (auto& w : s.workers) {
      const int st = w->state.load();
      if ((st != kTimedOut && st != kCancelled) || w->warned_ignoring) continue;
      if (now >= w->claimed_at + s.opt.cancel_grace) {
        w->warned_ignoring = true;
        s.log.warning("Callback ignores cancellation", {{"item_id", s.id(w->index)}, {"attempt", w->attempt}});
      } else {
        wake = std::min(wake, w->claimed_at + s.opt.cancel_grace);
      }
    }
    s.clock->wait_until(lock, s.coord_cv, wake, true);
  }
  lock.unlock();
  for (auto& w : s.workers) w->thread.join();
  lock.lock();
}

/// Syncs and closes the journal, writes the final files, tells the last phases and logs the
/// summary.
RunStats finish(Engine::State& s, std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  const int sync_err = s.sync_journal();
  s.journal.close();
  const int results_err = s.results.close();
  lock.lock();
  if (sync_err != 0 && s.stop_status != Status::failed) {
    s.stopping = true;
    s.stop_status = Status::failed;
    s.stop_reason = std::string("journal fsync failed: ") + std::strerror(sync_err);
  } else if (results_err != 0 && s.stop_status != Status::failed) {
    s.stopping = true;
    s.stop_status = Status::failed;
    s.stop_reason = "results file " + s.results.path().string() + " fsync failed: " + std::strerror(results_err);
  }
  const time_point end = s.clock->now();
  if (!s.stopping.load() && !s.input_error.empty()) {  // everything read before the error is done
    s.stop_status = Status::failed;
    s.stop_reason = s.input_error;
  }
  const bool failed_input = !s.stopping.load() && !s.input_error.empty();
  RunStats stats = s.report.stats(s.stopping.load() || failed_input ? s.stop_status : Status::completed,
                                  s.stop_reason, s.signal, end - s.start);
  stats.journal_lines_dropped = s.journal_lines_dropped;
  stats.quotas = s.quotas->reports();
  stats.progress_file = s.publisher.files().progress;
  stats.journal_file = s.publisher.files().journal;
  if (stats.status == Status::completed) s.publisher.mark_success();
  s.stop_reason = stats.reason;
  const ProgressSnapshot final_snapshot = s.snapshot(stats.status, end);
  const DurationStats durations = s.report.durations();
  const bool stopped = s.stopping.load();
  lock.unlock();
  s.publisher.write(final_snapshot, durations);
  s.publisher.announce_stopping();
  if (stopped) s.phases.advance(RunPhase::stopping);
  s.phases.advance(RunPhase::finished);
  s.publisher.finish_bar(final_snapshot);
  s.report.log_summary(s.opt, stats);
  return stats;
}

}  // namespace

Engine::Engine(const Options& options) : state_(std::make_unique<State>(options)) {}
Engine::~Engine() = default;

void Engine::request_stop(int signal) noexcept {
  State& s = *state_;
  std::lock_guard lock(s.m);
  if (!s.stopping.load()) {
    s.begin_stop(Status::interrupted, signal != 0 ? signal_name(signal) : std::string("stop requested"), signal);
  } else {
    s.cancel_now = true;
    s.coord_cv.notify_one();
  }
}

RunStats Engine::run(Job& job) {
  State& s = *state_;
  check_options(s.opt);
  s.job = &job;
  const std::optional<ShardSpec> wanted_shard = s.opt.shard ? s.opt.shard : shard_from_env();
  std::optional<Resume> resume;
  if (job.streaming()) {
    s.stream_resume = std::make_unique<StreamResume>(wanted_shard);
    s.feeder = std::make_unique<StreamFeeder>(s.opt.concurrency, *s.stream_resume);
    job.set_slots(s.feeder->slot_count());
  } else {
    resume.emplace(job.ids(), wanted_shard);
  }
  s.ids = &job.ids();
  const std::optional<ShardSpec> shard = resume ? resume->shard() : s.stream_resume->shard();
  const std::uint32_t shard_count = shard ? shard->count : 1U;
  // Quotas shared between shards through LEADSCOUT_QUOTA_REDIS: an unreachable store stops
  // the run here, before anything starts.
  const auto shared_store = shared_store_from_env(s.log);
  s.quotas.emplace(s.opt.quotas, static_cast<int>(s.opt.concurrency), shard_count, s.clock, shared_store,
                   s.opt.operation);
  s.report.set_total(resume ? resume->total() : 0, resume.has_value());
  if (s.opt.expected_total) {
    s.report.set_expected_total(s.opt.expected_total);
  } else if (!resume && job.size() > 0) {
    s.report.set_expected_total(job.size() / shard_count);
  }
  const std::filesystem::path dir = s.opt.progress_dir.empty() ? default_progress_dir() : s.opt.progress_dir;
  s.start = s.clock->now();
  if (s.opt.deadline.count() > 0) s.deadline_at = s.start + s.opt.deadline;
  s.publisher.prepare(progress_files(dir, s.opt.operation, shard), shard, s.start);
  s.env.emplace(AttemptEnv{job, s.journal, s.opt, *s.clock, s.log, job.ids(), s.stopping, nullptr});
  std::optional<SignalWatch> signals;
  if (s.opt.handle_signals) signals.emplace([this](int sig) { request_stop(sig); });

  s.phases.set_directory(s.publisher.files().progress.parent_path());
  s.phases.advance(RunPhase::starting);
  try {
    if (const auto setup_error = s.phases.take_setup_error()) std::rethrow_exception(setup_error);
    const ResultsSink::Kind sink = s.opt.results.kind();
    if (sink == ResultsSink::Kind::jsonl || sink == ResultsSink::Kind::csv) {
      s.results.open(s.opt.results, s.opt.fresh, shard);
      s.env->results = &s.results;
    }
    if (resume) {
      load(s, *resume);
    } else {
      load_stream(s);
    }
  } catch (...) {
    s.phases.advance(RunPhase::finished);  // a journal of another input, an unreadable file
    throw;
  }
  s.journal_lines_dropped = resume ? resume->dropped_lines() : s.stream_resume->dropped_lines();
  const UsageList& prior_usage = resume ? resume->prior_usage() : s.stream_resume->prior_usage();
  for (const auto& quota : s.quotas->all()) {
    for (const auto& [name, usage] : prior_usage) {
      if (name == quota->quota().name) quota->add_prior_usage(usage);
    }
  }
  std::unique_lock lock(s.m);
  start_workers(s, lock);
  s.coordinate(lock);
  wind_down(s, lock);
  lock.unlock();
  signals.reset();
  lock.lock();
  return finish(s, lock);
}

// ---- Context ----

Context Engine::attempt_context(Worker& worker, Clock& clock, std::string_view id) {
  return Context(worker.stop.get_token(), worker.deadline, worker.attempt, id, &clock, &worker);
}

const leadscout::log::Logger& Engine::context_log(Context& ctx) {
  if (!ctx.log_) ctx.log_.emplace(ctx.worker_->log.bind({{"item_id", ctx.id_}, {"attempt", ctx.attempt_}}));
  return *ctx.log_;
}

void Engine::context_metric(Context& ctx, std::string_view name, std::int64_t delta) {
  auto& m = ctx.worker_->metrics;
  for (auto& [k, v] : m) {
    if (k == name) {
      v += delta;
      return;
    }
  }
  m.emplace_back(std::string(name), delta);
}

void Engine::context_set_current(Context& ctx, std::string_view text) { ctx.worker_->set_current(text); }

Permit Engine::context_acquire(Context& ctx, std::string_view quota, Usage estimate) {
  Worker& w = *ctx.worker_;
  Permit permit = w.engine->acquire(w, ctx, quota, estimate);
  ctx.deadline_ = w.deadline;  // moved by the wait; written by this thread only
  return permit;
}

}  // namespace leadscout::batch::detail

// One run of a batch, from the checks of its options to the final report.
#include "leadscout/batch/detail/engine.hpp"

#include <cstring>
#include <random>

#include "engine_state.hpp"
#include "deferred_executor.hpp"
#include "signals.hpp"
#include "worker_pool.hpp"

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

}  // namespace

Engine::Engine(const Options& options) : state_(std::make_unique<State>(options)) {}
Engine::~Engine() = default;

void Engine::request_stop(int signal) noexcept { state_->request_stop(signal); }

RunStats Engine::run(Job& job) { return state_->run(job); }

RunStats Engine::run(Job& job, DeferredRunner& runner) {
  state_->set_runner(runner);
  return state_->run(job);
}

// ---- the run, from setup to the final report ----

RunStats Engine::State::run(Job& job) {
  check_options(opt_);
  std::optional<Resume> resume;
  const std::optional<ShardSpec> shard = prepare(job, resume);
  std::optional<SignalWatch> signals;
  if (opt_.handle_signals) signals.emplace([this](int sig) { request_stop(sig); });

  phases_.set_directory(publisher_.files().progress.parent_path());
  phases_.advance(RunPhase::starting);
  try {
    if (const auto setup_error = phases_.take_setup_error()) std::rethrow_exception(setup_error);
    const ResultsSink::Kind sink = opt_.results.kind();
    if (sink == ResultsSink::Kind::jsonl || sink == ResultsSink::Kind::csv) {
      results_.open(opt_.results, opt_.fresh, shard);
      env_->results = &results_;
    }
    if (resume) {
      load(*resume);
    } else {
      load_stream();
    }
  } catch (...) {
    phases_.advance(RunPhase::finished);  // a journal of another input, an unreadable file
    throw;
  }
  journal_lines_dropped_ = resume ? resume->dropped_lines() : stream_resume_->dropped_lines();
  const UsageList& prior_usage = resume ? resume->prior_usage() : stream_resume_->prior_usage();
  for (const auto& quota : quotas_->all()) {
    for (const auto& [name, usage] : prior_usage) {
      if (name == quota->quota().name) quota->add_prior_usage(usage);
    }
  }
  std::unique_lock lock(m_);
  start_executor(lock);
  coordinate(lock);
  executor_->wind_down(lock);
  lock.unlock();
  signals.reset();
  lock.lock();
  return finish(lock);
}

std::optional<ShardSpec> Engine::State::prepare(Job& job, std::optional<Resume>& resume) {
  job_ = &job;
  const std::optional<ShardSpec> wanted_shard = opt_.shard ? opt_.shard : shard_from_env();
  if (job.streaming()) {
    stream_resume_ = std::make_unique<StreamResume>(wanted_shard);
    const std::size_t in_flight = runner_ != nullptr ? runner_->capacity() : 2 * opt_.concurrency;
    feeder_ = std::make_unique<StreamFeeder>(in_flight, *stream_resume_);
    job.set_slots(feeder_->slot_count());
  } else {
    resume.emplace(job.ids(), wanted_shard);
  }
  ids_ = &job.ids();
  const std::optional<ShardSpec> shard = resume ? resume->shard() : stream_resume_->shard();
  const std::uint32_t shard_count = shard ? shard->count : 1U;
  // Quotas shared between shards through LEADSCOUT_QUOTA_REDIS: an unreachable store stops
  // the run here, before anything starts.
  const auto shared_store = shared_store_from_env(log_);
  quotas_.emplace(opt_.quotas, static_cast<int>(opt_.concurrency), shard_count, clock_, shared_store, opt_.operation);
  report_.set_total(resume ? resume->total() : 0, resume.has_value());
  if (opt_.expected_total) {
    report_.set_expected_total(opt_.expected_total);
  } else if (!resume && job.size() > 0) {
    report_.set_expected_total(job.size() / shard_count);
  }
  const std::filesystem::path dir = opt_.progress_dir.empty() ? default_progress_dir() : opt_.progress_dir;
  start_ = clock_->now();
  stop_.set_start(start_);
  publisher_.prepare(progress_files(dir, opt_.operation, shard), shard, start_);
  env_.emplace(AttemptEnv{job, journal_, opt_, *clock_, log_, job.ids(), stop_.flag(), nullptr});
  return shard;
}

Resume::OkCallback Engine::State::reconcile_results() {
  return [this](std::string_view id, std::string_view result) {
    if (!results_.is_open()) return;
    if (const int err = results_.reconcile(id, result); err != 0) {
      throw leadscout::Error("cannot write results file " + results_.path().string() + ": " + std::strerror(err));
    }
  };
}

void Engine::State::end_reconcile() {
  if (!results_.is_open()) return;
  if (const int err = results_.end_reconcile(); err != 0) {
    throw leadscout::Error("cannot write results file " + results_.path().string() + ": " + std::strerror(err));
  }
  if (results_.reconciled() > 0) {
    log_.warning("Results file completed from the journal",
                 {{"path", results_.path().string()}, {"results", results_.reconciled()}});
  }
}

void Engine::State::log_started(std::size_t pending, const std::optional<ShardSpec>& shard) {
  log_.info("Batch started",
            {{"total", report_.total_known() ? leadscout::log::Value(report_.total()) : leadscout::log::Value(nullptr)},
             {"pending", pending},
             {"resumed", report_.resumed()},
             {"concurrency", opt_.concurrency},
             {"shard", shard ? std::to_string(shard->index) + "/" + std::to_string(shard->count) : std::string()},
             {"journal", publisher_.files().journal.string()}});
}

void Engine::State::load(Resume& resume) {
  const JournalHeader header = resume.header(opt_.operation, publisher_.started_at());
  std::vector<std::size_t> pending = resume.replay(journal_, publisher_.files().journal, header, *job_, opt_, log_,
                                                   report_, reconcile_results());
  end_reconcile();
  notes_ = resume.notes();
  const std::size_t n_pending = pending.size();
  {
    std::lock_guard lock(m_);
    scheduler_.set_pending(std::move(pending));
  }
  log_started(n_pending, resume.shard());
}

// The first chunk is read before anything starts, so that an input that changed is refused
// as a whole one is.
void Engine::State::load_stream() {
  StreamResume& resume = *stream_resume_;
  const JournalHeader header = resume.header(opt_.operation, publisher_.started_at());
  resume.replay(journal_, publisher_.files().journal, header, *job_, opt_, log_, report_, reconcile_results());
  end_reconcile();
  notes_ = resume.notes();
  const StreamFeeder::Chunk chunk = feeder_->read(*job_, feeder_->take_slots(), journal_);
  if (!chunk.error.empty()) throw leadscout::Error(chunk.error);
  std::lock_guard lock(m_);
  scheduler_.open_input();
  apply_chunk(chunk);
  log_started(chunk.run.size(), resume.shard());
}

void Engine::State::start_executor(std::unique_lock<std::mutex>& lock) {
  publish(lock, Status::starting, clock_->now());
  if (stop_.stopping()) announce_stopping(lock);  // a stop during the replay
  const std::uint64_t seed = opt_.seed != 0 ? opt_.seed : random_seed();
  coord_backoff_ = Backoff(opt_.retry, seed ^ 0x5bd1e995ULL);
  if (runner_ != nullptr) {
    executor_ = std::make_unique<DeferredExecutor>(*this, *env_, *runner_, std::move(notes_), seed);
  } else {
    executor_ = std::make_unique<WorkerPool>(*this, *env_, opt_.concurrency, seed);
  }
  publish(lock, Status::running, clock_->now());
  lock.unlock();
  phases_.advance(RunPhase::running);  // skipped when a stop began first
  publisher_.announce_ready(clock_->now());  // after the first write: READY=1 comes first
  lock.lock();
  executor_->start();
}

RunStats Engine::State::finish(std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  const int sync_err = sync_journal();
  journal_.close();
  const int results_err = results_.close();
  lock.lock();
  if (sync_err != 0) {
    stop_.fail_late(std::string("journal fsync failed: ") + std::strerror(sync_err));
  } else if (results_err != 0) {
    stop_.fail_late("results file " + results_.path().string() + " fsync failed: " + std::strerror(results_err));
  }
  const time_point end = clock_->now();
  Status status = Status::completed;
  std::string reason = stop_.reason();
  if (stop_.stopping()) {
    status = stop_.status();
  } else if (!input_error_.empty()) {  // everything read before the error is done
    status = Status::failed;
    reason = input_error_;
  }
  RunStats stats = report_.stats(status, reason, stop_.signal(), end - start_);
  stats.journal_lines_dropped = journal_lines_dropped_;
  stats.quotas = quotas_->reports();
  stats.progress_file = publisher_.files().progress;
  stats.journal_file = publisher_.files().journal;
  if (stats.status == Status::completed) publisher_.mark_success();
  const ProgressSnapshot final_snapshot = snapshot(stats.status, stats.reason, end);
  const DurationStats durations = report_.durations();
  const bool stopped = stop_.stopping();
  lock.unlock();
  publisher_.write(final_snapshot, durations, telemetry_);
  publisher_.announce_stopping();
  if (stopped) phases_.advance(RunPhase::stopping);
  phases_.advance(RunPhase::finished);
  publisher_.finish_bar(final_snapshot);
  report_.log_summary(opt_, stats);
  return stats;
}

}  // namespace leadscout::batch::detail

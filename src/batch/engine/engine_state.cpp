// One run of the engine: admission, the books of each attempt's outcome, the stop and a
// streamed input's chunks.
#include "engine_state.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "signals.hpp"

namespace leadscout::batch::detail {

Engine::State::State(const Options& o)
    : opt_(o),
      clock_(o.clock ? o.clock : system_clock()),
      log_(leadscout::log::get(o.logger).bind({{"operation", o.operation}})),
      phases_(opt_, log_),
      stop_(opt_, *clock_, log_),
      scheduler_(o.rate_limit_per_second, o.rate_limit_burst, clock_->now()),
      halt_(o.halt_failure_rate, o.halt_window),
      publisher_(opt_, *clock_, log_),
      coord_backoff_(o.retry, 0) {}

void Engine::State::request_stop(int signal) noexcept {
  std::lock_guard lock(m_);
  if (!stop_.stopping()) {
    begin_stop(Status::interrupted, signal != 0 ? signal_name(signal) : std::string("stop requested"), signal);
  } else {
    stop_.cancel_now();
    coord_cv_.notify_one();
  }
}

// ---- the stop ----

void Engine::State::begin_stop(Status status, std::string reason, int signal) {
  if (!stop_.begin(status, std::move(reason), signal, in_flight_)) return;
  if (executor_) executor_->wake();
  coord_cv_.notify_one();
}

bool Engine::State::stop_if_past_deadline(time_point now) {
  if (!stop_.begin_if_past_deadline(now, in_flight_)) return false;
  if (executor_) executor_->wake();
  coord_cv_.notify_one();
  return true;
}

void Engine::State::announce_stopping(std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  publisher_.announce_stopping();
  phases_.advance(RunPhase::stopping);
  lock.lock();
}

// ---- admission ----

void Engine::State::wake_coordinator_by(time_point deadline) {
  if (deadline < coord_wake_at_) coord_cv_.notify_one();
}

Admit Engine::State::admit(Scheduler::Attempt& out, time_point& now) {
  if (stop_.stopping()) return Admit::end;
  now = clock_->now();
  if (stop_if_past_deadline(now)) return Admit::end;
  const Scheduler::Next got = scheduler_.next(now, out);
  if (got == Scheduler::Next::attempt) {
    ++in_flight_;
    return Admit::attempt;
  }
  if (got == Scheduler::Next::rate_limited) coord_cv_.notify_one();
  if (got == Scheduler::Next::exhausted && in_flight_ == 0) {
    done_ = true;
    coord_cv_.notify_one();
    if (executor_) executor_->wake();
    return Admit::end;
  }
  if (in_flight_ == 0) coord_cv_.notify_one();
  return Admit::wait;
}

// ---- results ----

void Engine::State::record_failure(std::size_t index, int attempts, double seconds, std::string reason) {
  report_.add_failure(std::string(id(index)), attempts, seconds, std::move(reason));
  if (auto why = halt_.add(true)) begin_stop(Status::failed, std::move(*why), 0);
}

void Engine::State::completed(const Finished& f, const MetricList& metrics) {
  --in_flight_;
  switch (f.kind) {
    case Finished::Kind::ok:
      release_item(f.index);
      report_.add_success(f.seconds);
      report_.merge_metrics(metrics);
      if (auto why = halt_.add(false)) begin_stop(Status::failed, std::move(*why), 0);
      break;
    case Finished::Kind::failed:
      report_.merge_metrics(metrics);
      if (f.halt) {
        begin_stop(Status::failed, f.reason, 0);
        stop_.cancel_now();  // every other call would fail the same way
      }
      release_item(f.index);
      record_failure(f.index, f.attempts, f.seconds, f.reason);
      break;
    case Finished::Kind::retry:
      report_.add_retry();
      scheduler_.add_retry(f.ready, f.index, f.attempts);
      if (f.ready < coord_wake_at_) coord_cv_.notify_one();
      break;
    case Finished::Kind::write_error: begin_stop(Status::failed, f.reason, 0); break;
    case Finished::Kind::abandoned:
    case Finished::Kind::none:
    case Finished::Kind::dropped: break;
  }
}

bool Engine::State::timed_out(std::size_t index, int attempt, double seconds, time_point now) {
  --in_flight_;
  if (attempt < attempts_allowed(opt_.retry, "timeout") && !stop_.stopping()) {
    const auto delay = coord_backoff_.delay(attempt, std::chrono::milliseconds(0));
    log_.warning("Retrying item",
                 {{"item_id", id(index)}, {"attempt", attempt}, {"reason", "timeout"}, {"backoff_ms", delay}});
    report_.add_retry();
    scheduler_.add_retry(now + delay, index, attempt);
    return false;
  }
  if (stop_.stopping()) return false;  // left for the next run
  std::string line;
  format_record(line, id(index), false, attempt, seconds * 1e3, {}, "timeout", {});
  if (const int err = journal_.append(line); err != 0) {
    begin_stop(Status::failed, std::string("journal write failed: ") + std::strerror(err), 0);
    return false;
  }
  log_.error("Item failed", {{"item_id", id(index)}, {"attempts", attempt}, {"reason", "timeout"}});
  record_failure(index, attempt, seconds, "timeout");
  return feeder_ != nullptr;
}

void Engine::State::cancelled(std::size_t count) {
  in_flight_ -= count;
  stop_.mark_cancelled();
  if (count > 0) log_.warning("Cancelling in-flight items", {{"count", count}, {"reason", stop_.reason()}});
}

void Engine::State::release_item(std::size_t index) {
  if (!feeder_) return;
  feeder_->release(index);
  if (feeder_->wants_chunk()) coord_cv_.notify_one();
}

// ---- quotas ----

const std::shared_ptr<QuotaState>& Engine::State::quota(std::string_view name) const { return quotas_->find(name); }

void Engine::State::budget_exhausted(std::string_view name, const QuotaState& quota) {
  const QuotaReport r = quota.snapshot();
  char figures[96];
  std::snprintf(figures, sizeof figures, "spent $%.4f of $%.4f", r.spent_usd, r.budget_usd);
  begin_stop(Status::budget_exhausted, "budget of quota \"" + std::string(name) + "\" exhausted (" + figures + ")", 0);
}

// ---- a streamed input ----

void Engine::State::apply_chunk(const StreamFeeder::Chunk& chunk) {
  feeder_->apply(chunk);
  scheduler_.add_pending(chunk.run);
  // Items the journal has as done that the input has not reached yet still count in the total.
  const std::uint64_t finished = stream_resume_->finished_count();
  const std::uint64_t unseen = finished - std::min<std::uint64_t>(feeder_->finished_seen(), finished);
  const bool closed = feeder_->ended() || !chunk.error.empty();
  report_.set_total(static_cast<std::size_t>(feeder_->members() + unseen), closed);
  if (closed) scheduler_.close_input();
  // What was read before a bad record or a changed part still runs; then the run fails.
  if (!chunk.error.empty() && input_error_.empty()) {
    input_error_ = chunk.error;
    log_.error("Input not read further", {{"error", chunk.error}, {"items_read", feeder_->members()}});
  }
  if (executor_) executor_->wake();
}

void Engine::State::feed(std::unique_lock<std::mutex>& lock) {
  const std::vector<std::size_t> slots = feeder_->take_slots();
  lock.unlock();
  const StreamFeeder::Chunk chunk = feeder_->read(*job_, slots, journal_);
  lock.lock();
  apply_chunk(chunk);
}

}  // namespace leadscout::batch::detail

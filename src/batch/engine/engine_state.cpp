// The shared state of a run: how workers take and finish attempts, how a stop spreads, and the
// coordinator's loop over timeouts, retries, progress and group commit.
#include "engine_state.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace leadscout::batch::detail {

namespace {

std::string format_ms(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

bool claimed(int state) noexcept { return state == kTimedOut || state == kCancelled; }

}  // namespace

Engine::State::State(const Options& o)
    : opt(o),
      clock(o.clock ? o.clock : system_clock()),
      log(leadscout::log::get(o.logger).bind({{"operation", o.operation}})),
      phases(opt, log),
      scheduler(o.rate_limit_per_second, o.rate_limit_burst, clock->now()),
      halt(o.halt_failure_rate, o.halt_window),
      publisher(opt, *clock, log),
      coord_backoff(o.retry, 0) {}

// ---- the stop ----

void Engine::State::begin_stop(Status status, std::string reason, int sig) {
  if (stopping.load()) return;
  stopping.store(true);
  stop_status = status;
  stop_reason = std::move(reason);
  signal = sig;
  cancel_at = clock->now() + opt.shutdown_grace;
  quota_stop.request_stop();
  log.warning("Batch stopping", {{"status", to_string(status)},
                                 {"reason", stop_reason},
                                 {"in_flight", in_flight},
                                 {"grace_ms", opt.shutdown_grace}});
  work_cv.notify_all();
  coord_cv.notify_one();
}

void Engine::State::announce_stopping(std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  publisher.announce_stopping();
  phases.advance(RunPhase::stopping);
  lock.lock();
}

// ---- workers ----

void Engine::State::worker_main(Worker& w) {
  for (;;) {
    {
      std::unique_lock lock(m);
      record(w);
      if (!take(lock, w)) {
        --live_workers;
        coord_cv.notify_one();
        return;
      }
    }
    w.run_attempt(*env);
  }
}

bool Engine::State::take(std::unique_lock<std::mutex>& lock, Worker& w) {
  Scheduler::Attempt next;
  time_point now;
  for (;;) {
    if (quit || stopping.load()) return false;
    now = clock->now();
    if (now >= deadline_at) {
      begin_stop(Status::deadline_exceeded, "deadline " + format_ms(opt.deadline) + " reached", 0);
      return false;
    }
    const Scheduler::Next got = scheduler.next(now, next);
    if (got == Scheduler::Next::attempt) break;
    if (got == Scheduler::Next::rate_limited) coord_cv.notify_one();
    if (got == Scheduler::Next::exhausted && in_flight == 0) {
      done = true;
      coord_cv.notify_one();
      work_cv.notify_all();
      return false;
    }
    if (in_flight == 0) coord_cv.notify_one();
    work_cv.wait(lock);
  }
  w.start(next.index, next.done_attempts + 1, now, opt.item_timeout);
  ++in_flight;
  if (w.deadline < coord_wake_at) coord_cv.notify_one();
  return true;
}

void Engine::State::record_failure(std::size_t index, int attempts, double seconds, std::string reason) {
  report.add_failure(std::string(id(index)), attempts, seconds, std::move(reason));
  if (auto why = halt.add(true)) begin_stop(Status::failed, std::move(*why), 0);
}

void Engine::State::record(Worker& w) {
  Finished& f = w.finished;
  switch (f.kind) {
    case Finished::Kind::none: return;
    case Finished::Kind::ok:
      --in_flight;
      release_item(f.index);
      report.add_success(f.seconds);
      report.merge_metrics(w.metrics);
      if (auto why = halt.add(false)) begin_stop(Status::failed, std::move(*why), 0);
      break;
    case Finished::Kind::failed:
      --in_flight;
      report.merge_metrics(w.metrics);
      if (f.halt) {
        begin_stop(Status::failed, f.reason, 0);
        cancel_now = true;  // every other call would fail the same way
      }
      release_item(f.index);
      record_failure(f.index, f.attempts, f.seconds, f.reason);
      break;
    case Finished::Kind::retry:
      --in_flight;
      report.add_retry();
      scheduler.add_retry(f.ready, f.index, f.attempts);
      if (f.ready < coord_wake_at) coord_cv.notify_one();
      break;
    case Finished::Kind::abandoned: --in_flight; break;
    case Finished::Kind::dropped:
      if (w.release_slot) {
        w.release_slot = false;
        release_item(f.index);
      }
      if (w.warned_ignoring) {
        log.warning("Cancelled callback returned",
                    {{"item_id", id(f.index)}, {"attempt", f.attempts}, {"duration_ms", rounded_ms(f.seconds)}});
        w.warned_ignoring = false;
      }
      break;
    case Finished::Kind::write_error:
      --in_flight;
      begin_stop(Status::failed, f.reason, 0);
      break;
  }
  f.kind = Finished::Kind::none;
}

bool Engine::State::claim(Worker& w, int new_state, time_point now) {
  if (w.state.load() != kRunning) return false;
  // Copied while the attempt still runs: the worker replaces its stop_source only after
  // it sees the claim.
  std::stop_source stop = w.stop;
  int expected = kRunning;
  if (!w.state.compare_exchange_strong(expected, new_state)) return false;
  w.claimed_at = now;
  w.warned_ignoring = false;
  stops_to_request.push_back(std::move(stop));
  --in_flight;
  return true;
}

void Engine::State::on_timeout(Worker& w, time_point now) {
  if (!claim(w, kTimedOut, now)) return;
  const double seconds = std::chrono::duration<double>(now - w.started).count();
  log.warning("Item timed out", {{"item_id", id(w.index)}, {"attempt", w.attempt}, {"timeout_ms", opt.item_timeout}});
  if (w.quota) w.quota->record_timeout();
  if (w.attempt < attempts_allowed(opt.retry, "timeout") && !stopping.load()) {
    const auto delay = coord_backoff.delay(w.attempt, std::chrono::milliseconds(0));
    log.warning("Retrying item",
                {{"item_id", id(w.index)}, {"attempt", w.attempt}, {"reason", "timeout"}, {"backoff_ms", delay}});
    report.add_retry();
    scheduler.add_retry(now + delay, w.index, w.attempt);
    return;
  }
  if (stopping.load()) return;  // left for the next run
  std::string line;
  format_record(line, id(w.index), false, w.attempt, seconds * 1e3, {}, "timeout", {});
  if (const int err = journal.append(line); err != 0) {
    begin_stop(Status::failed, std::string("journal write failed: ") + std::strerror(err), 0);
    return;
  }
  log.error("Item failed", {{"item_id", id(w.index)}, {"attempts", w.attempt}, {"reason", "timeout"}});
  record_failure(w.index, w.attempt, seconds, "timeout");
  w.release_slot = feeder != nullptr;  // the callback may still read its item
}

void Engine::State::cancel_all(time_point now) {
  std::size_t n = 0;
  for (auto& w : workers) n += claim(*w, kCancelled, now) ? 1 : 0;
  cancelled = true;
  if (n > 0) log.warning("Cancelling in-flight items", {{"count", n}, {"reason", stop_reason}});
}

Permit Engine::State::acquire(Worker& w, Context& ctx, std::string_view name, Usage estimate) {
  const std::shared_ptr<QuotaState>& quota = quotas->find(name);
  time_point began;
  {
    std::lock_guard lock(m);
    w.quota_wait = true;
    w.quota = quota;
    began = clock->now();
  }
  Permit permit;
  {
    // A timeout or cancel of the attempt, or the run's stop, ends the wait.
    std::stop_source either;
    const auto forward = [&either] { either.request_stop(); };
    std::stop_callback on_attempt(ctx.stop_token(), forward);
    std::stop_callback on_run(quota_stop.get_token(), forward);
    permit = quota->acquire(estimate, either.get_token(), w.ledger);
  }
  std::lock_guard lock(m);
  w.quota_wait = false;
  if (w.deadline != kNever) w.deadline += clock->now() - began;  // waiting is not the call's time
  if (!permit) {
    w.quota_refused = true;
    if (permit.failure().reason == "budget_exhausted") {
      const QuotaReport r = quota->snapshot();
      char figures[96];
      std::snprintf(figures, sizeof figures, "spent $%.4f of $%.4f", r.spent_usd, r.budget_usd);
      begin_stop(Status::budget_exhausted, "budget of quota \"" + std::string(name) + "\" exhausted (" + figures + ")", 0);
    }
  }
  coord_cv.notify_one();  // the deadline moved
  return permit;
}

void Engine::State::check_workers(time_point now) {
  const bool timeouts = opt.item_timeout.count() > 0;
  for (auto& w : workers) {
    const int st = w->state.load();
    if (timeouts && st == kRunning && !w->quota_wait && w->deadline <= now) {
      on_timeout(*w, now);
    } else if (claimed(st) && !w->warned_ignoring && now >= w->claimed_at + opt.cancel_grace) {
      w->warned_ignoring = true;
      log.warning("Callback ignores cancellation",
                  {{"item_id", id(w->index)},
                   {"attempt", w->attempt},
                   {"cancelled_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now - w->claimed_at)}});
    }
  }
}

time_point Engine::State::workers_wake() const {
  const bool timeouts = opt.item_timeout.count() > 0;
  time_point wake = kNever;
  for (const auto& w : workers) {
    const int st = w->state.load();
    if (timeouts && st == kRunning && !w->quota_wait) wake = std::min(wake, w->deadline);
    if (claimed(st) && !w->warned_ignoring) wake = std::min(wake, w->claimed_at + opt.cancel_grace);
  }
  return wake;
}

// ---- the coordinator ----

void Engine::State::coordinate(std::unique_lock<std::mutex>& lock) {
  time_point next_progress = clock->now() + opt.progress_interval;
  time_point next_sync = clock->now() + opt.checkpoint_interval;
  for (;;) {
    const time_point now = clock->now();
    if (scheduler.release(now)) work_cv.notify_all();
    check_workers(now);
    if (!stopping.load() && now >= deadline_at) {
      begin_stop(Status::deadline_exceeded, "deadline " + format_ms(opt.deadline) + " reached", 0);
    }
    bool busy = scheduler.waiting();
    for (const auto& w : workers) busy = busy || (w->state.load() == kRunning && now < w->deadline);
    publisher.pet_watchdog(now, report.activity(), busy);
    if (stopping.load() && !cancelled && (cancel_now || now >= cancel_at)) cancel_all(now);
    if (!stops_to_request.empty()) {
      request_stops(lock);
      continue;
    }
    if (stopping.load() && !phases.reached(RunPhase::stopping)) {
      announce_stopping(lock);
      continue;
    }
    if (done || (stopping.load() && in_flight == 0)) return;
    if (feeder && !stopping.load() && feeder->wants_chunk()) {
      feed(lock);
      continue;
    }
    if (now >= next_progress) {
      next_progress = now + opt.progress_interval;
      publish(lock, Status::running, now);
      continue;
    }
    if (now >= next_sync) {
      next_sync = now + opt.checkpoint_interval;
      lock.unlock();
      const int err = sync_journal();
      lock.lock();
      if (err != 0) begin_stop(Status::failed, std::string("journal fsync failed: ") + std::strerror(err), 0);
      continue;
    }
    wait(lock, now, next_progress, next_sync);
  }
}

void Engine::State::wait(std::unique_lock<std::mutex>& lock, time_point now, time_point next_progress,
                         time_point next_sync) {
  time_point wake = std::min({next_progress, next_sync, publisher.next_watchdog(), scheduler.next_wake(now)});
  if (!stopping.load()) wake = std::min(wake, deadline_at);
  if (stopping.load() && !cancelled) wake = std::min(wake, cancel_at);
  wake = std::min(wake, workers_wake());
  if (publisher.bar_enabled()) wake = std::min(wake, now + std::chrono::milliseconds(100));
  coord_wake_at = wake;
  const bool idle = in_flight == 0 && !scheduler.work_ready(now, !stopping.load());
  if (publisher.bar_enabled() && !idle) publisher.draw_bar(snapshot(Status::running, now), now);
  clock->wait_until(lock, coord_cv, wake, idle);
  coord_wake_at = kNever;
}

void Engine::State::release_item(std::size_t index) {
  if (!feeder) return;
  feeder->release(index);
  if (feeder->wants_chunk()) coord_cv.notify_one();
}

void Engine::State::apply_chunk(const StreamFeeder::Chunk& chunk) {
  feeder->apply(chunk);
  scheduler.add_pending(chunk.run);
  // Items the journal has as done that the input has not reached yet still count in the total.
  const std::uint64_t finished = stream_resume->finished_count();
  const std::uint64_t unseen = finished - std::min<std::uint64_t>(feeder->finished_seen(), finished);
  const bool closed = feeder->ended() || !chunk.error.empty();
  report.set_total(static_cast<std::size_t>(feeder->members() + unseen), closed);
  if (closed) scheduler.close_input();
  // What was read before a bad record or a changed part still runs; then the run fails.
  if (!chunk.error.empty() && input_error.empty()) {
    input_error = chunk.error;
    log.error("Input not read further", {{"error", chunk.error}, {"items_read", feeder->members()}});
  }
  work_cv.notify_all();
}

void Engine::State::feed(std::unique_lock<std::mutex>& lock) {
  const std::vector<std::size_t> slots = feeder->take_slots();
  lock.unlock();
  const StreamFeeder::Chunk chunk = feeder->read(*job, slots, journal);
  lock.lock();
  apply_chunk(chunk);
}

void Engine::State::request_stops(std::unique_lock<std::mutex>& lock) {
  auto stops = std::move(stops_to_request);
  stops_to_request.clear();
  lock.unlock();
  for (auto& s : stops) s.request_stop();
  lock.lock();
}

ProgressSnapshot Engine::State::snapshot(Status status, time_point now) {
  ProgressSnapshot s = publisher.snapshot(status, stop_reason, report, now);
  s.in_flight = in_flight;
  if (quotas) s.quotas = quotas->reports();
  // The most recently started attempt still in flight.
  const Worker* latest = nullptr;
  for (const auto& w : workers) {
    if (w->state.load() != kRunning || (latest != nullptr && w->started <= latest->started)) continue;
    if (auto current = w->current_item(id(w->index))) {
      s.current_item = std::move(*current);
      latest = w.get();
    }
  }
  return s;
}

void Engine::State::publish(std::unique_lock<std::mutex>& lock, Status status, time_point now) {
  const ProgressSnapshot s = snapshot(status, now);
  const DurationStats d = report.durations();
  lock.unlock();
  publisher.show(s, d, now);
  lock.lock();
}

int Engine::State::sync_journal() {
  const int err = journal.sync();
  if (std::string notice = journal.take_notice(); !notice.empty()) {
    log.warning("Journal file", {{"path", publisher.files().journal.string()}, {"detail", notice}});
  }
  return err;
}

}  // namespace leadscout::batch::detail

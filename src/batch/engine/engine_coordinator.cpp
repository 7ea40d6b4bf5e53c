// The coordinator: run()'s thread, which owns every timer of a run (timeouts, retries, the
// deadline, the stop's grace, progress, group commit) and the calls that must not hold the lock.
#include <algorithm>
#include <cstring>

#include "engine_state.hpp"

namespace leadscout::batch::detail {

void Engine::State::coordinate(std::unique_lock<std::mutex>& lock) {
  time_point next_progress = clock_->now() + opt_.progress_interval;
  time_point next_sync = clock_->now() + opt_.checkpoint_interval;
  for (;;) {
    const time_point now = clock_->now();
    if (scheduler_.release(now)) executor_->wake();
    executor_->check(now);
    stop_if_past_deadline(now);
    publisher_.pet_watchdog(now, report_.activity(), scheduler_.waiting() || executor_->busy(now));
    if (stop_.cancel_due(now)) executor_->cancel_all(now);
    if (executor_->deliver_stops(lock)) continue;
    if (stop_.stopping() && !phases_.reached(RunPhase::stopping)) {
      announce_stopping(lock);
      continue;
    }
    if (done_ || (stop_.stopping() && in_flight_ == 0)) return;
    if (feeder_ && !stop_.stopping() && feeder_->wants_chunk()) {
      feed(lock);
      continue;
    }
    // Each interval counts from the end of its work: a write slower than the interval would
    // otherwise come due again at once and starve the other.
    if (now >= next_progress) {
      publish(lock, Status::running, now);
      next_progress = clock_->now() + opt_.progress_interval;
      continue;
    }
    if (now >= next_sync) {
      lock.unlock();
      const int err = sync_journal();
      lock.lock();
      next_sync = clock_->now() + opt_.checkpoint_interval;
      if (err != 0) begin_stop(Status::failed, std::string("journal fsync failed: ") + std::strerror(err), 0);
      continue;
    }
    wait(lock, now, next_progress, next_sync);
  }
}

void Engine::State::wait(std::unique_lock<std::mutex>& lock, time_point now, time_point next_progress,
                         time_point next_sync) {
  time_point wake = std::min({next_progress, next_sync, publisher_.next_watchdog(), scheduler_.next_wake(now)});
  wake = std::min({wake, stop_.next_wake(), executor_->next_wake()});
  if (publisher_.bar_enabled()) wake = std::min(wake, now + std::chrono::milliseconds(100));
  coord_wake_at_ = wake;
  const bool idle = in_flight_ == 0 && !scheduler_.work_ready(now, !stop_.stopping());
  if (publisher_.bar_enabled() && !idle) publisher_.draw_bar(snapshot(Status::running, stop_.reason(), now), now);
  clock_->wait_until(lock, coord_cv_, wake, idle);
  coord_wake_at_ = kNever;
}

ProgressSnapshot Engine::State::snapshot(Status status, const std::string& reason, time_point now) {
  ProgressSnapshot s = publisher_.snapshot(status, reason, report_, now);
  s.in_flight = in_flight_;
  if (quotas_) s.quotas = quotas_->reports();
  if (executor_) {
    if (auto current = executor_->current_item()) s.current_item = std::move(*current);
    s.batches = executor_->batches(now);
  }
  return s;
}

void Engine::State::publish(std::unique_lock<std::mutex>& lock, Status status, time_point now) {
  const ProgressSnapshot s = snapshot(status, stop_.reason(), now);
  const DurationStats d = report_.durations();
  lock.unlock();
  publisher_.show(s, d, telemetry_, now);
  lock.lock();
}

int Engine::State::sync_journal() {
  const int err = journal_.sync();
  if (std::string notice = journal_.take_notice(); !notice.empty()) {
    log_.warning("Journal file", {{"path", publisher_.files().journal.string()}, {"detail", notice}});
  }
  return err;
}

}  // namespace leadscout::batch::detail

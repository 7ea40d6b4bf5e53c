// The worker pool: threads that take attempts from the engine and run them.
#include "worker_pool.hpp"

#include <algorithm>
#include <thread>

namespace leadscout::batch::detail {

namespace {

bool claimed(int state) noexcept { return state == kTimedOut || state == kCancelled; }

}  // namespace

WorkerPool::WorkerPool(ExecutorHost& host, const AttemptEnv& env, std::size_t count, std::uint64_t seed)
    : host_(host), env_(env) {
  for (std::size_t n = 0; n < count; ++n) {
    workers_.push_back(std::make_unique<Worker>(n, host, env, seed + 0x9E3779B97F4A7C15ULL * (n + 1)));
  }
}

void WorkerPool::start() {
  live_ = workers_.size();
  // Workers log with the context fields of the code that called run().
  const leadscout::log::Context context = leadscout::log::Context::capture();
  for (auto& w : workers_) {
    Worker* wp = w.get();
    w->thread = std::thread([this, wp, context] {
      const leadscout::log::ScopedContext scope(context);
      loop(*wp);
    });
  }
}

void WorkerPool::loop(Worker& w) {
  for (;;) {
    {
      std::unique_lock lock(host_.mutex());
      report(w);
      if (!take(lock, w)) {
        --live_;
        exited_cv_.notify_all();
        host_.wake_coordinator();
        return;
      }
    }
    w.run_attempt();
  }
}

void WorkerPool::report(Worker& w) {
  Finished& f = w.finished;
  if (f.kind == Finished::Kind::none) return;
  if (f.kind != Finished::Kind::dropped) {
    host_.completed(f, w.metrics);
  } else {
    if (w.release_slot) {
      w.release_slot = false;
      host_.release_item(f.index);
    }
    if (w.warned_ignoring) {
      env_.log.warning("Cancelled callback returned", {{"item_id", env_.ids[f.index]},
                                                       {"attempt", f.attempts},
                                                       {"duration_ms", rounded_ms(f.seconds)}});
      w.warned_ignoring = false;
    }
  }
  f.kind = Finished::Kind::none;
}

bool WorkerPool::take(std::unique_lock<std::mutex>& lock, Worker& w) {
  Scheduler::Attempt next;
  time_point now;
  for (;;) {
    if (quit_) return false;
    const Admit got = host_.admit(next, now);
    if (got == Admit::attempt) break;
    if (got == Admit::end) return false;
    work_cv_.wait(lock);
  }
  w.start(next.index, next.done_attempts + 1, now, env_.opt.item_timeout);
  host_.wake_coordinator_by(w.deadline);
  return true;
}

bool WorkerPool::claim(Worker& w, int new_state, time_point now) {
  if (w.state.load() != kRunning) return false;
  // Copied while the attempt still runs: the worker replaces its stop_source only after
  // it sees the claim.
  std::stop_source stop = w.stop;
  int expected = kRunning;
  if (!w.state.compare_exchange_strong(expected, new_state)) return false;
  w.claimed_at = now;
  w.warned_ignoring = false;
  stops_to_request_.push_back(std::move(stop));
  return true;
}

void WorkerPool::on_timeout(Worker& w, time_point now) {
  if (!claim(w, kTimedOut, now)) return;
  const double seconds = std::chrono::duration<double>(now - w.started).count();
  env_.log.warning("Item timed out",
                   {{"item_id", env_.ids[w.index]}, {"attempt", w.attempt}, {"timeout_ms", env_.opt.item_timeout}});
  if (w.quota) w.quota->record_timeout();
  // The callback may still read its item: a streamed slot frees when it returns.
  w.release_slot = host_.timed_out(w.index, w.attempt, seconds, now);
}

void WorkerPool::check(time_point now) {
  const bool timeouts = env_.opt.item_timeout.count() > 0;
  for (auto& w : workers_) {
    const int st = w->state.load();
    if (timeouts && st == kRunning && !w->quota_wait && w->deadline <= now) {
      on_timeout(*w, now);
    } else if (claimed(st) && !w->warned_ignoring && now >= w->claimed_at + env_.opt.cancel_grace) {
      w->warned_ignoring = true;
      env_.log.warning("Callback ignores cancellation",
                       {{"item_id", env_.ids[w->index]},
                        {"attempt", w->attempt},
                        {"cancelled_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now - w->claimed_at)}});
    }
  }
}

time_point WorkerPool::next_wake() const {
  const bool timeouts = env_.opt.item_timeout.count() > 0;
  time_point wake = kNever;
  for (const auto& w : workers_) {
    const int st = w->state.load();
    if (timeouts && st == kRunning && !w->quota_wait) wake = std::min(wake, w->deadline);
    if (claimed(st) && !w->warned_ignoring) wake = std::min(wake, w->claimed_at + env_.opt.cancel_grace);
  }
  return wake;
}

void WorkerPool::cancel_all(time_point now) {
  std::size_t n = 0;
  for (auto& w : workers_) n += claim(*w, kCancelled, now) ? 1 : 0;
  host_.cancelled(n);
}

bool WorkerPool::deliver_stops(std::unique_lock<std::mutex>& lock) {
  if (stops_to_request_.empty()) return false;
  auto stops = std::move(stops_to_request_);
  stops_to_request_.clear();
  lock.unlock();
  for (auto& s : stops) s.request_stop();
  lock.lock();
  return true;
}

bool WorkerPool::busy(time_point now) const {
  return std::any_of(workers_.begin(), workers_.end(),
                     [now](const auto& w) { return w->state.load() == kRunning && now < w->deadline; });
}

std::optional<std::string> WorkerPool::current_item() {
  std::optional<std::string> item;
  const Worker* latest = nullptr;
  for (const auto& w : workers_) {
    if (w->state.load() != kRunning || (latest != nullptr && w->started <= latest->started)) continue;
    if (auto current = w->current_item(env_.ids[w->index])) {
      item = std::move(current);
      latest = w.get();
    }
  }
  return item;
}

void WorkerPool::wind_down(std::unique_lock<std::mutex>& lock) {
  quit_ = true;
  work_cv_.notify_all();
  while (live_ > 0) {
    check(env_.clock.now());
    env_.clock.wait_until(lock, exited_cv_, next_wake(), true);
  }
  lock.unlock();
  for (auto& w : workers_) w->thread.join();
  lock.lock();
}

}  // namespace leadscout::batch::detail

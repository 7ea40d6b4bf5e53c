// The worker pool: threads that take attempts from the engine and run them.
#include "worker_pool.hpp"

#include <algorithm>
#include <thread>

namespace leadscout::batch::detail {

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
    w->launch([this, wp, context] {
      const leadscout::log::ScopedContext scope(context);
      loop(*wp);
    });
  }
}

void WorkerPool::loop(Worker& w) {
  for (;;) {
    {
      std::unique_lock lock(host_.mutex());
      w.report();
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
  host_.wake_coordinator_by(w.deadline());
  return true;
}

bool WorkerPool::claim(Worker& w, int new_state, time_point now) {
  std::optional<std::stop_source> stop = w.claim(new_state, now);
  if (!stop) return false;
  stops_to_request_.push_back(std::move(*stop));
  return true;
}

void WorkerPool::on_timeout(Worker& w, time_point now) {
  if (claim(w, kTimedOut, now)) w.timed_out(now);
}

void WorkerPool::check(time_point now) {
  const bool timeouts = env_.opt.item_timeout.count() > 0;
  for (auto& w : workers_) {
    const int st = w->state();
    if (timeouts && w->overdue(st, now)) {
      on_timeout(*w, now);
    } else {
      w->warn_if_ignoring_cancellation(st, now);
    }
  }
}

time_point WorkerPool::next_wake() const {
  const bool timeouts = env_.opt.item_timeout.count() > 0;
  time_point wake = kNever;
  for (const auto& w : workers_) wake = std::min(wake, w->next_wake(timeouts));
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
                     [now](const auto& w) { return w->busy(now); });
}

std::optional<std::string> WorkerPool::current_item() {
  std::optional<std::string> item;
  const Worker* latest = nullptr;
  for (const auto& w : workers_) {
    if (w->state() != kRunning || (latest != nullptr && w->started() <= latest->started())) continue;
    if (auto current = w->current_item()) {
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
  for (auto& w : workers_) w->join();
  lock.lock();
}

}  // namespace leadscout::batch::detail

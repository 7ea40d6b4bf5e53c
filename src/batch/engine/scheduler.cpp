// Admission and scheduling: retries first, then input order, paced by the rate limit.
#include "scheduler.hpp"

#include <algorithm>

namespace leadscout::batch::detail {

void Scheduler::set_pending(std::vector<std::size_t> pending) {
  pending_.assign(pending.begin(), pending.end());
}

void Scheduler::add_pending(const std::vector<std::size_t>& more) { pending_.insert(pending_.end(), more.begin(), more.end()); }

Scheduler::Next Scheduler::next(Clock::time_point now, Attempt& out) noexcept {
  if (!ready_.empty()) {
    out = ready_.front();
    ready_.pop_front();
    return Next::attempt;
  }
  if (!pending_.empty()) {
    if (limiter_.try_acquire(now)) {
      out = Attempt{pending_.front(), 0};
      pending_.pop_front();
      return Next::attempt;
    }
    const bool first = !token_wait_;
    token_wait_ = true;
    return first ? Next::rate_limited : Next::wait;
  }
  return retries_.empty() && !input_open_ ? Next::exhausted : Next::wait;
}

void Scheduler::add_retry(Clock::time_point ready, std::size_t index, int attempts) {
  retries_.push(RetryEntry{ready, index, attempts});
}

bool Scheduler::release(Clock::time_point now) {
  bool wake = false;
  while (!retries_.empty() && retries_.top().ready <= now) {
    ready_.push_back(Attempt{retries_.top().index, retries_.top().attempts});
    retries_.pop();
    wake = true;
  }
  if (token_wait_ && limiter_.available(now)) {
    token_wait_ = false;
    wake = true;
  }
  return wake;
}

bool Scheduler::work_ready(Clock::time_point now, bool admit_new) const noexcept {
  return !ready_.empty() || (admit_new && !pending_.empty() && limiter_.available(now));
}

Clock::time_point Scheduler::next_wake(Clock::time_point now) const noexcept {
  Clock::time_point wake = Clock::time_point::max();
  if (!retries_.empty()) wake = std::min(wake, retries_.top().ready);
  if (token_wait_) wake = std::min(wake, limiter_.next_available(now));
  return wake;
}

}  // namespace leadscout::batch::detail

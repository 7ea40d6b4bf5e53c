// The deferred executor: admission and journaling for a runner that finishes attempts later.
#include "deferred_executor.hpp"

#include <cmath>

namespace leadscout::batch::detail {

DeferredPort::~DeferredPort() = default;

namespace {

Finished abandoned(std::size_t index, int attempt) {
  Finished f;
  f.kind = Finished::Kind::abandoned;
  f.index = index;
  f.attempts = attempt;
  return f;
}

}  // namespace

DeferredExecutor::DeferredExecutor(ExecutorHost& host, const AttemptEnv& env, DeferredRunner& runner,
                                   std::vector<std::string> notes, std::uint64_t seed)
    : host_(host), env_(env), runner_(runner), notes_(std::move(notes)), worker_(0, host, env, seed) {}

void DeferredExecutor::start() {
  exited_ = false;
  const leadscout::log::Context context = leadscout::log::Context::capture();
  thread_ = std::thread([this, context] {
    const leadscout::log::ScopedContext scope(context);
    body();
  });
}

void DeferredExecutor::body() noexcept {
  runner_.run(*this);
  std::lock_guard lock(host_.mutex());
  // A runner that returned early leaves its attempts to a resume rather than to a hung run.
  for (const auto& [index, attempt] : held_) {
    host_.completed(abandoned(index, attempt), {});
  }
  held_.clear();
  exited_ = true;
  exited_cv_.notify_all();
  host_.wake_coordinator();
}

bool DeferredExecutor::take(std::vector<DeferredAttempt>& out, std::size_t max, std::chrono::milliseconds wait) {
  std::unique_lock lock(host_.mutex());
  const time_point until = env_.clock.now() + wait;
  std::size_t got = 0;
  for (;;) {
    if (quit_) return got > 0;
    Scheduler::Attempt next;
    time_point now;
    const Admit admitted = got < max ? host_.admit(next, now) : Admit::wait;
    if (admitted == Admit::attempt) {
      const int attempt = next.done_attempts + 1;
      held_[next.index] = attempt;
      out.push_back(DeferredAttempt{next.index, attempt, std::string(env_.ids[next.index])});
      ++got;
      continue;
    }
    if (admitted == Admit::end) return got > 0;
    if (got > 0 || env_.clock.now() >= until) return true;
    env_.clock.wait_until(lock, cv_, until, held_.empty());
  }
}

bool DeferredExecutor::release(const DeferredAttempt& attempt) {
  const auto it = held_.find(attempt.index);
  if (it == held_.end() || it->second != attempt.attempt) return false;
  held_.erase(it);
  return true;
}

void DeferredExecutor::finish(const DeferredAttempt& attempt) {
  {
    std::lock_guard lock(host_.mutex());
    if (!release(attempt)) return;  // not ours, or ended already: exactly once
    worker_.start(attempt.index, attempt.attempt, env_.clock.now(), std::chrono::milliseconds(0));
  }
  worker_.run_attempt();
  std::lock_guard lock(host_.mutex());
  worker_.report();
}

void DeferredExecutor::abandon(const DeferredAttempt& attempt) {
  std::lock_guard lock(host_.mutex());
  if (!release(attempt)) return;
  host_.completed(abandoned(attempt.index, attempt.attempt), {});
}

int DeferredExecutor::note(std::string_view json) {
  line_.clear();
  format_note_record(line_, json);
  // In the page cache when append() returns: a killed process cannot lose it.
  return env_.journal.append(line_);
}

Reservation DeferredExecutor::reserve(std::string_view quota, double cost_usd, bool force) {
  return host_.quota(quota)->reserve_budget(cost_usd, force);
}

void DeferredExecutor::release(std::string_view quota, double cost_usd) {
  host_.quota(quota)->release_budget(cost_usd);
}

void DeferredExecutor::budget_exhausted(std::string_view quota) {
  const std::shared_ptr<QuotaState>& state = host_.quota(quota);
  state->exhaust_budget();
  std::lock_guard lock(host_.mutex());
  host_.budget_exhausted(quota, *state);
}

void DeferredExecutor::show(std::vector<DeferredBatch> batches) {
  std::lock_guard lock(host_.mutex());
  batches_ = std::move(batches);
}

std::vector<BatchReport> DeferredExecutor::batches(time_point now) const {
  const auto seconds = [now](time_point since) {
    return std::round(std::chrono::duration<double>(now - since).count() * 10.0) / 10.0;
  };
  std::vector<BatchReport> out;
  out.reserve(batches_.size());
  for (const auto& b : batches_) {
    out.push_back(BatchReport{b.id, b.status, b.requests, b.completed, b.failed, seconds(b.created),
                              seconds(b.status_since)});
  }
  return out;
}

void DeferredExecutor::sleep_until(Clock::time_point until) {
  std::unique_lock lock(host_.mutex());
  while (!quit_ && !env_.stopping.load() && env_.clock.now() < until) env_.clock.wait_until(lock, cv_, until, true);
}

void DeferredExecutor::wind_down(std::unique_lock<std::mutex>& lock) {
  quit_ = true;
  cv_.notify_all();
  exited_cv_.wait(lock, [this] { return exited_; });
  lock.unlock();
  if (thread_.joinable()) thread_.join();
  lock.lock();
}

}  // namespace leadscout::batch::detail

// One attempt of one item on a worker thread: the callback, then the journal record.
#include "worker.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace leadscout::batch::detail {

namespace {

bool claimed(int state) noexcept { return state == kTimedOut || state == kCancelled; }

}  // namespace

double rounded_ms(double seconds) noexcept { return std::round(seconds * 1e6) / 1e3; }

void Worker::start(std::size_t item, int attempt_no, Clock::time_point now, std::chrono::milliseconds timeout) {
  index_ = item;
  attempt_ = attempt_no;
  started_ = now;
  deadline_ = timeout.count() > 0 ? now + timeout : Clock::time_point::max();
  claimed_at_ = {};
  quota_.reset();
  quota_refused_ = false;
  std::lock_guard lock(current_m_);
  current_set_ = false;
  state_.store(kRunning, std::memory_order_release);
}

void Worker::report() {
  if (finished_.kind == Finished::Kind::none) return;
  if (finished_.kind != Finished::Kind::dropped) {
    host_.completed(finished_, metrics_);
  } else {
    if (release_slot_) {
      release_slot_ = false;
      host_.release_item(finished_.index);
    }
    if (warned_ignoring_) {
      env_.log.warning("Cancelled callback returned", {{"item_id", env_.ids[finished_.index]},
                                                       {"attempt", finished_.attempts},
                                                       {"duration_ms", rounded_ms(finished_.seconds)}});
      warned_ignoring_ = false;
    }
  }
  finished_.kind = Finished::Kind::none;
}

std::optional<std::stop_source> Worker::claim(int new_state, Clock::time_point now) {
  if (state_.load() != kRunning) return std::nullopt;
  // Copied while the attempt still runs: the worker replaces its stop_source only after
  // it sees the claim.
  std::stop_source stop = stop_;
  int expected = kRunning;
  if (!state_.compare_exchange_strong(expected, new_state)) return std::nullopt;
  claimed_at_ = now;
  warned_ignoring_ = false;
  return stop;
}

void Worker::timed_out(Clock::time_point now) {
  const double seconds = std::chrono::duration<double>(now - started_).count();
  env_.log.warning("Item timed out",
                   {{"item_id", env_.ids[index_]}, {"attempt", attempt_}, {"timeout_ms", env_.opt.item_timeout}});
  if (quota_) quota_->record_timeout();
  // The callback may still read its item: a streamed slot frees when it returns.
  release_slot_ = host_.timed_out(index_, attempt_, seconds, now);
}

bool Worker::overdue(int state, Clock::time_point now) const noexcept {
  return state == kRunning && !quota_wait_ && deadline_ <= now;
}

void Worker::warn_if_ignoring_cancellation(int state, Clock::time_point now) {
  if (!claimed(state) || warned_ignoring_ || now < claimed_at_ + env_.opt.cancel_grace) return;
  warned_ignoring_ = true;
  env_.log.warning("Callback ignores cancellation",
                   {{"item_id", env_.ids[index_]},
                    {"attempt", attempt_},
                    {"cancelled_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now - claimed_at_)}});
}

Clock::time_point Worker::next_wake(bool timeouts) const noexcept {
  const int state = state_.load();
  Clock::time_point wake = kNever;
  if (timeouts && state == kRunning && !quota_wait_) wake = std::min(wake, deadline_);
  if (claimed(state) && !warned_ignoring_) wake = std::min(wake, claimed_at_ + env_.opt.cancel_grace);
  return wake;
}

bool Worker::busy(Clock::time_point now) const noexcept { return state_.load() == kRunning && now < deadline_; }

std::optional<std::string> Worker::current_item() {
  std::lock_guard lock(current_m_);
  if (state_.load() != kRunning) return std::nullopt;
  return current_set_ ? current_text_ : std::string(env_.ids[index_]);
}

void Worker::set_current(std::string_view text) {
  std::lock_guard lock(current_m_);
  current_text_.assign(text);
  current_set_ = true;
}

void Worker::add_metric(std::string_view name, std::int64_t delta) {
  for (auto& [k, v] : metrics_) {
    if (k == name) {
      v += delta;
      return;
    }
  }
  metrics_.emplace_back(std::string(name), delta);
}

void Worker::observe(const Histogram& histogram, std::span<const MetricLabel> labels, double value) {
  host_.telemetry().observe(histogram, labels, value);
}

void Worker::count(std::string_view name, std::string_view help, std::span<const MetricLabel> labels, double delta) {
  host_.telemetry().count(name, help, labels, delta);
}

Permit Worker::acquire(const std::stop_token& attempt_stop, std::string_view name, Usage estimate) {
  const std::shared_ptr<QuotaState>& wanted = host_.quota(name);
  Clock::time_point began;
  {
    std::lock_guard lock(host_.mutex());
    quota_wait_ = true;
    quota_ = wanted;
    began = env_.clock.now();
  }
  Permit permit;
  {
    // A timeout or cancel of the attempt, or the run's stop, ends the wait.
    std::stop_source either;
    const auto forward = [&either] { either.request_stop(); };
    std::stop_callback on_attempt(attempt_stop, forward);
    std::stop_callback on_run(host_.quota_stop(), forward);
    permit = wanted->acquire(estimate, either.get_token(), ledger_);
  }
  std::lock_guard lock(host_.mutex());
  quota_wait_ = false;
  if (deadline_ != Clock::time_point::max()) deadline_ += env_.clock.now() - began;
  if (!permit) {
    quota_refused_ = true;
    if (permit.failure().reason == "budget_exhausted") host_.budget_exhausted(name, *wanted);
  }
  host_.wake_coordinator();  // the deadline moved
  return permit;
}

void Worker::charge(std::string_view name, Usage used) {
  const std::shared_ptr<QuotaState>& quota = host_.quota(name);
  ledger_->add(quota->quota().name, quota->charge(used));
}

/// Ends kRunning unless the coordinator claimed the attempt first. Under current_m_, so that
/// current_item() never names an attempt that has ended.
bool Worker::finish_running() noexcept {
  std::lock_guard lock(current_m_);
  int expected = kRunning;
  return state_.compare_exchange_strong(expected, kFinishing);
}

void Worker::run_attempt() {
  const std::string_view item = env_.ids[index_];
  metrics_.clear();
  Context ctx(stop_.get_token(), deadline_, attempt_, item, &env_.clock, this);
  const bool ok = env_.job.attempt(number_, index_, ctx, failure_, result_json_);
  ledger_->take(usage_);  // the callback's permits are gone by now
  const Clock::time_point end = env_.clock.now();
  finished_.halt = false;
  finished_.index = index_;
  finished_.attempts = attempt_;
  finished_.seconds = std::chrono::duration<double>(end - started_).count();
  if (!finish_running()) {
    dropped(item, ok, state_.load());
  } else if (ok) {
    succeeded(item);
  } else {
    failed(item, end);
  }
  state_.store(kIdle);
}

void Worker::dropped(std::string_view item, bool ok, int previous_state) {
  env_.job.discard(number_);
  const double ms = rounded_ms(finished_.seconds);
  if (previous_state == kTimedOut) {
    env_.log.warning("Late result discarded", {{"item_id", item},
                                               {"attempt", attempt_},
                                               {"duration_ms", ms},
                                               {"outcome", ok ? std::string_view("ok") : std::string_view(failure_.reason)}});
  } else {
    env_.log.info("Cancelled item returned", {{"item_id", item}, {"attempt", attempt_}, {"duration_ms", ms}});
  }
  stop_ = std::stop_source();
  finished_.kind = Finished::Kind::dropped;
  (void)journal_usage(item);  // a failed write is found by the next append or sync
}

bool Worker::journal_usage(std::string_view item) {
  if (usage_.empty()) return true;
  line_.clear();
  format_attempt_record(line_, item, attempt_, usage_);
  if (const int err = env_.journal.append(line_); err != 0) {
    write_failed("journal", err);
    return false;
  }
  return true;
}

void Worker::write_failed(std::string_view file, int err) {
  finished_.kind = Finished::Kind::write_error;
  finished_.reason = std::string(file) + " write failed: " + std::strerror(err);
}

void Worker::succeeded(std::string_view item) {
  line_.clear();
  format_record(line_, item, true, attempt_, finished_.seconds * 1e3, result_json_, {}, metrics_, usage_);
  if (const int err = env_.journal.append(line_); err != 0) {
    env_.job.discard(number_);
    write_failed("journal", err);
    return;
  }
  // After the journal: a kill in between leaves the result to the next run's reconciliation.
  if (std::string error = env_.job.commit(number_, index_); !error.empty()) {
    env_.log.warning("Results callback failed", {{"item_id", item}, {"error", error}});
  }
  if (env_.results != nullptr) {
    if (const int err = env_.results->write(item, result_json_); err != 0) {
      write_failed("results file " + env_.results->path().string(), err);
      return;
    }
  }
  env_.log.log(env_.opt.item_log_level, "Item processed",
               {{"item_id", item}, {"attempt", attempt_}, {"duration_ms", rounded_ms(finished_.seconds)}});
  finished_.kind = Finished::Kind::ok;
}

void Worker::failed(std::string_view item, Clock::time_point end) {
  const bool retryable = !failure_.halt && failure_.retry == Retry::yes;
  // A permit refused for a stop or the budget is not the item's failure: it waits for a resume.
  if (quota_refused_ || (retryable && attempt_ < attempts_allowed(env_.opt.retry, failure_.reason))) {
    if (!journal_usage(item)) return;
    if (quota_refused_ || env_.stopping.load()) {
      finished_.kind = Finished::Kind::abandoned;
      return;
    }
    const auto delay = backoff_.delay(attempt_, failure_.retry_after);
    env_.log.warning("Retrying item",
                     {{"item_id", item}, {"attempt", attempt_}, {"reason", failure_.reason}, {"backoff_ms", delay}});
    finished_.kind = Finished::Kind::retry;
    finished_.ready = end + delay;
    return;
  }
  line_.clear();
  format_record(line_, item, false, attempt_, finished_.seconds * 1e3, {}, failure_.reason, metrics_, usage_);
  if (const int err = env_.journal.append(line_); err != 0) {
    write_failed("journal", err);
    return;
  }
  env_.log.error("Item failed", {{"item_id", item}, {"attempts", attempt_}, {"reason", failure_.reason}});
  finished_.kind = Finished::Kind::failed;
  finished_.reason = failure_.reason;
  finished_.halt = failure_.halt;
}

}  // namespace leadscout::batch::detail

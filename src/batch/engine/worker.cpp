// One attempt of one item on a worker thread: the callback, then the journal record.
#include "worker.hpp"

#include <cmath>
#include <cstring>

namespace leadscout::batch::detail {

double rounded_ms(double seconds) noexcept { return std::round(seconds * 1e6) / 1e3; }

void Worker::start(std::size_t item, int attempt_no, Clock::time_point now, std::chrono::milliseconds timeout) {
  index = item;
  attempt = attempt_no;
  started = now;
  deadline = timeout.count() > 0 ? now + timeout : Clock::time_point::max();
  claimed_at = {};
  quota.reset();
  quota_refused = false;
  std::lock_guard lock(current_m_);
  current_set_ = false;
  state.store(kRunning, std::memory_order_release);
}

std::optional<std::string> Worker::current_item(std::string_view id) {
  std::lock_guard lock(current_m_);
  if (state.load() != kRunning) return std::nullopt;
  return current_set_ ? current_text_ : std::string(id);
}

void Worker::set_current(std::string_view text) {
  std::lock_guard lock(current_m_);
  current_text_.assign(text);
  current_set_ = true;
}

void Worker::add_metric(std::string_view name, std::int64_t delta) {
  for (auto& [k, v] : metrics) {
    if (k == name) {
      v += delta;
      return;
    }
  }
  metrics.emplace_back(std::string(name), delta);
}

void Worker::observe(const Histogram& histogram, std::span<const MetricLabel> labels, double value) {
  host.telemetry().observe(histogram, labels, value);
}

void Worker::count(std::string_view name, std::string_view help, std::span<const MetricLabel> labels, double delta) {
  host.telemetry().count(name, help, labels, delta);
}

Permit Worker::acquire(const std::stop_token& attempt_stop, std::string_view name, Usage estimate) {
  const std::shared_ptr<QuotaState>& wanted = host.quota(name);
  Clock::time_point began;
  {
    std::lock_guard lock(host.mutex());
    quota_wait = true;
    quota = wanted;
    began = env.clock.now();
  }
  Permit permit;
  {
    // A timeout or cancel of the attempt, or the run's stop, ends the wait.
    std::stop_source either;
    const auto forward = [&either] { either.request_stop(); };
    std::stop_callback on_attempt(attempt_stop, forward);
    std::stop_callback on_run(host.quota_stop(), forward);
    permit = wanted->acquire(estimate, either.get_token(), ledger);
  }
  std::lock_guard lock(host.mutex());
  quota_wait = false;
  if (deadline != Clock::time_point::max()) deadline += env.clock.now() - began;
  if (!permit) {
    quota_refused = true;
    host.permit_refused(name, *wanted, permit);
  }
  host.wake_coordinator();  // the deadline moved
  return permit;
}

/// Ends kRunning unless the coordinator claimed the attempt first. Under current_m_, so that
/// current_item() never names an attempt that has ended.
bool Worker::finish_running() noexcept {
  std::lock_guard lock(current_m_);
  int expected = kRunning;
  return state.compare_exchange_strong(expected, kFinishing);
}

void Worker::run_attempt() {
  const std::string_view item = env.ids[index];
  metrics.clear();
  Context ctx(stop.get_token(), deadline, attempt, item, &env.clock, this);
  const bool ok = env.job.attempt(number, index, ctx, failure, result_json);
  ledger->take(usage);  // the callback's permits are gone by now
  const Clock::time_point end = env.clock.now();
  finished.halt = false;
  finished.index = index;
  finished.attempts = attempt;
  finished.seconds = std::chrono::duration<double>(end - started).count();
  if (!finish_running()) {
    dropped(item, ok, state.load());
  } else if (ok) {
    succeeded(item);
  } else {
    failed(item, end);
  }
  state.store(kIdle);
}

void Worker::dropped(std::string_view item, bool ok, int previous_state) {
  env.job.discard(number);
  const double ms = rounded_ms(finished.seconds);
  if (previous_state == kTimedOut) {
    env.log.warning("Late result discarded", {{"item_id", item},
                                              {"attempt", attempt},
                                              {"duration_ms", ms},
                                              {"outcome", ok ? std::string_view("ok") : std::string_view(failure.reason)}});
  } else {
    env.log.info("Cancelled item returned", {{"item_id", item}, {"attempt", attempt}, {"duration_ms", ms}});
  }
  stop = std::stop_source();
  finished.kind = Finished::Kind::dropped;
  (void)journal_usage(item);  // a failed write is found by the next append or sync
}

bool Worker::journal_usage(std::string_view item) {
  if (usage.empty()) return true;
  line.clear();
  format_attempt_record(line, item, attempt, usage);
  if (const int err = env.journal.append(line); err != 0) {
    write_failed("journal", err);
    return false;
  }
  return true;
}

void Worker::write_failed(std::string_view file, int err) {
  finished.kind = Finished::Kind::write_error;
  finished.reason = std::string(file) + " write failed: " + std::strerror(err);
}

void Worker::succeeded(std::string_view item) {
  line.clear();
  format_record(line, item, true, attempt, finished.seconds * 1e3, result_json, {}, metrics, usage);
  if (const int err = env.journal.append(line); err != 0) {
    env.job.discard(number);
    write_failed("journal", err);
    return;
  }
  // After the journal: a kill in between leaves the result to the next run's reconciliation.
  if (std::string error = env.job.commit(number, index); !error.empty()) {
    env.log.warning("Results callback failed", {{"item_id", item}, {"error", error}});
  }
  if (env.results != nullptr) {
    if (const int err = env.results->write(item, result_json); err != 0) {
      write_failed("results file " + env.results->path().string(), err);
      return;
    }
  }
  env.log.log(env.opt.item_log_level, "Item processed",
              {{"item_id", item}, {"attempt", attempt}, {"duration_ms", rounded_ms(finished.seconds)}});
  finished.kind = Finished::Kind::ok;
}

void Worker::failed(std::string_view item, Clock::time_point end) {
  const bool retryable = !failure.halt && failure.retry == Retry::yes;
  // A permit refused for a stop or the budget is not the item's failure: it waits for a resume.
  if (quota_refused || (retryable && attempt < attempts_allowed(env.opt.retry, failure.reason))) {
    if (!journal_usage(item)) return;
    if (quota_refused || env.stopping.load()) {
      finished.kind = Finished::Kind::abandoned;
      return;
    }
    const auto delay = backoff.delay(attempt, failure.retry_after);
    env.log.warning("Retrying item",
                    {{"item_id", item}, {"attempt", attempt}, {"reason", failure.reason}, {"backoff_ms", delay}});
    finished.kind = Finished::Kind::retry;
    finished.ready = end + delay;
    return;
  }
  line.clear();
  format_record(line, item, false, attempt, finished.seconds * 1e3, {}, failure.reason, metrics, usage);
  if (const int err = env.journal.append(line); err != 0) {
    write_failed("journal", err);
    return;
  }
  env.log.error("Item failed", {{"item_id", item}, {"attempts", attempt}, {"reason", failure.reason}});
  finished.kind = Finished::Kind::failed;
  finished.reason = failure.reason;
  finished.halt = failure.halt;
}

}  // namespace leadscout::batch::detail

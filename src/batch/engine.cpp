// The batch engine: workers take items in input order; one coordinator thread owns all
// timing (retries, timeouts, deadline, rate limit wake-ups, progress, group commit).
#include "leadscout/batch/detail/engine.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <queue>
#include <random>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "estimator.hpp"
#include "files.hpp"
#include "journal.hpp"
#include "progress_bar.hpp"
#include "rate_limiter.hpp"
#include "retry.hpp"
#include "signals.hpp"
#include "systemd.hpp"
#include "leadscout/batch/progress.hpp"
#include "leadscout/log/logger.hpp"

namespace leadscout::batch::detail {

namespace ll = leadscout::log;
using time_point = Clock::time_point;
constexpr time_point kNever = time_point::max();

enum WorkerState : int { kIdle = 0, kRunning = 1, kFinishing = 2, kTimedOut = 3, kCancelled = 4 };

/// What a worker did with its last attempt, recorded under the lock when it takes the next.
struct Finished {
  enum class Kind { none, ok, failed, retry, abandoned, dropped, journal_error } kind = Kind::none;
  std::size_t index = 0;
  int attempts = 0;
  double seconds = 0.0;
  time_point ready{};
  std::string reason;
};

struct Worker {
  Worker(Engine::State* s, std::size_t n, const RetryPolicy& policy, std::uint64_t seed)
      : state_ptr(s), number(n), backoff(policy, seed) {}
  Engine::State* state_ptr;
  std::size_t number;
  std::atomic<int> state{kIdle};
  // Written under State::m when an attempt starts or is claimed.
  std::size_t index = 0;
  int attempt = 0;
  time_point started{};
  time_point deadline{};
  time_point claimed_at{};
  bool warned_ignoring = false;
  std::stop_source stop;
  // Owned by the worker thread.
  std::string result_json;
  std::string line;
  std::vector<std::pair<std::string, std::int64_t>> metrics;
  Failure failure;
  Backoff backoff;
  Finished finished;
  std::thread thread;
};

struct RetryEntry {
  time_point ready;
  std::size_t index;
  int attempts;
  bool operator>(const RetryEntry& o) const noexcept { return ready > o.ready; }
};

namespace {

std::uint64_t random_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string format_ms(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

double round1(double v) { return std::round(v * 10.0) / 10.0; }

/// Milliseconds to the microsecond, so logs say 1840.275 rather than 1840.2750000000001.
double rounded_ms(double seconds) { return std::round(seconds * 1e6) / 1e3; }

/// The sd_notify STATUS= line: "STATUS=op: 120/500 (24.0%), 8.1/s, ETA 47s".
std::string systemd_status(const ProgressSnapshot& s) {
  char buf[160];
  std::string out = "STATUS=" + s.operation + ": ";
  if (s.status != Status::running) {
    out += to_string(s.status);
    out += ", ";
  }
  std::snprintf(buf, sizeof buf, "%llu/%llu (%.1f%%), %.1f/s", static_cast<unsigned long long>(s.processed),
                static_cast<unsigned long long>(s.total), s.percentage, s.rate_per_second);
  out += buf;
  if (s.status == Status::running && s.eta_seconds) {
    std::snprintf(buf, sizeof buf, ", ETA %.0fs", *s.eta_seconds);
    out += buf;
  }
  return out;
}

/// Item ids to input positions: open addressing over precomputed stable hashes.
class IdIndex {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  IdIndex(const std::vector<std::string>& ids, const std::vector<std::uint64_t>& hashes) : ids_(ids), hashes_(hashes) {
    std::size_t cap = 16;
    while (cap < ids.size() * 2) cap <<= 1;
    slots_.assign(cap, npos);
    mask_ = cap - 1;
  }
  /// Adds position i; returns the position already holding the same id, or npos.
  std::size_t insert(std::size_t i) {
    for (std::size_t s = hashes_[i] & mask_;; s = (s + 1) & mask_) {
      const std::size_t j = slots_[s];
      if (j == npos) {
        slots_[s] = i;
        return npos;
      }
      if (hashes_[j] == hashes_[i] && ids_[j] == ids_[i]) return j;
    }
  }
  [[nodiscard]] std::size_t find(std::string_view id) const noexcept {
    const std::uint64_t h = stable_hash(id);
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      const std::size_t j = slots_[s];
      if (j == npos) return npos;
      if (hashes_[j] == h && ids_[j] == id) return j;
    }
  }

 private:
  const std::vector<std::string>& ids_;
  const std::vector<std::uint64_t>& hashes_;
  std::vector<std::size_t> slots_;
  std::size_t mask_ = 0;
};

}  // namespace

struct Engine::State {
  explicit State(const Options& o)
      : opt(o),
        clock(o.clock ? o.clock : system_clock()),
        log(ll::get(o.logger).bind({{"operation", o.operation}})),
        progress_log(ll::get("progress")),
        limiter(o.rate_limit_per_second, o.rate_limit_burst, clock->now()),
        coord_backoff(o.retry, 0),
        bar(2, false) {}

  // ---- configuration ----
  Options opt;
  std::shared_ptr<Clock> clock;
  ll::Logger log;
  ll::Logger progress_log;
  Job* job = nullptr;
  const std::vector<std::string>* ids = nullptr;
  ProgressFiles files;
  std::optional<ShardSpec> shard;
  Journal journal;
  std::string host;
  std::string started_at;
  std::optional<std::string> last_success_at;

  // ---- shared state, guarded by m ----
  std::mutex m;
  std::condition_variable work_cv;
  std::condition_variable coord_cv;
  std::vector<std::size_t> pending;
  std::size_t next = 0;
  std::priority_queue<RetryEntry, std::vector<RetryEntry>, std::greater<>> retries;
  std::deque<std::pair<std::size_t, int>> ready;
  std::size_t in_flight = 0;
  std::size_t live_workers = 0;
  bool done = false;
  bool quit = false;
  std::atomic<bool> stopping{false};
  bool cancelled = false;
  bool cancel_now = false;
  Status stop_status = Status::completed;
  std::string stop_reason;
  int signal = 0;
  time_point start{};
  time_point deadline_at = kNever;
  time_point cancel_at = kNever;
  time_point coord_wake_at = kNever;
  RateLimiter limiter;
  bool token_wait = false;
  Backoff coord_backoff;
  std::vector<std::stop_source> stops_to_request;

  std::size_t total = 0;
  std::size_t succeeded = 0;
  std::size_t failed = 0;
  std::size_t retried = 0;
  std::size_t skipped_resumed = 0;
  std::size_t finished_this_run = 0;
  std::vector<ItemFailure> failures;
  std::map<std::string, std::int64_t, std::less<>> metrics;
  DurationStats durations;
  std::vector<std::uint8_t> halt_ring;
  std::size_t halt_pos = 0;
  std::size_t halt_count = 0;
  std::size_t halt_failures = 0;
  std::size_t last_started = static_cast<std::size_t>(-1);
  std::size_t journal_lines_dropped = 0;
  std::size_t progress_errors = 0;  ///< failed writes since the last good one

  SystemdNotifier systemd;
  time_point next_watchdog = kNever;
  std::size_t watchdog_marker = 0;
  std::atomic<bool> stopping_notified{false};

  std::mutex current_m;
  std::string current_text;
  bool current_set = false;

  RateEstimator estimator;
  ProgressBar bar;
  std::vector<std::unique_ptr<Worker>> workers;

  // ---- helpers (called with m held unless noted) ----
  std::string_view id(std::size_t index) const { return (*ids)[index]; }

  void begin_stop(Status status, std::string reason, int sig) {
    if (stopping.load()) return;
    stopping.store(true);
    stop_status = status;
    stop_reason = std::move(reason);
    signal = sig;
    cancel_at = clock->now() + opt.shutdown_grace;
    log.warning("Batch stopping", {{"status", to_string(status)},
                                   {"reason", stop_reason},
                                   {"in_flight", in_flight},
                                   {"grace_ms", opt.shutdown_grace}});
    notify_stopping();
    work_cv.notify_all();
    coord_cv.notify_one();
  }

  void notify_stopping() {
    if (!stopping_notified.exchange(true)) {
      systemd.send("STOPPING=1");
      phase(RunPhase::stopping);
    }
  }

  void phase(RunPhase p) const {
    if (opt.on_phase) opt.on_phase(p, files.progress.parent_path());
  }

  /// WATCHDOG=1 when due and the batch makes progress: items finished or were retried since
  /// the last check, an attempt runs within its timeout, or a retry or rate-limit token is
  /// awaited. A stalled batch (callbacks hung past their timeouts) stops petting.
  void pet_watchdog(time_point now) {
    const auto interval = systemd.watchdog_interval();
    if (!interval || now < next_watchdog) return;
    const std::size_t marker = succeeded + failed + retried;
    bool progress = marker != watchdog_marker || !retries.empty() || !ready.empty() || token_wait;
    for (const auto& w : workers) {
      if (w->state.load() == kRunning && now < w->deadline) progress = true;
    }
    watchdog_marker = marker;
    next_watchdog = now + std::chrono::duration_cast<Clock::duration>(*interval);
    if (progress) systemd.send("WATCHDOG=1");
  }

  void halt_push(bool failure) {
    if (opt.halt_failure_rate <= 0.0 || opt.halt_window == 0) return;
    if (halt_ring.empty()) halt_ring.assign(opt.halt_window, 0);
    if (halt_count == halt_ring.size()) {
      halt_failures -= halt_ring[halt_pos];
    } else {
      ++halt_count;
    }
    halt_ring[halt_pos] = failure ? 1 : 0;
    halt_failures += failure ? 1 : 0;
    halt_pos = (halt_pos + 1) % halt_ring.size();
    if (halt_count == halt_ring.size()) {
      const double rate = static_cast<double>(halt_failures) / static_cast<double>(halt_count);
      if (rate >= opt.halt_failure_rate && !stopping.load()) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "failure rate %.0f%% over the last %zu items reached halt_failure_rate %.0f%%",
                      rate * 100.0, halt_count, opt.halt_failure_rate * 100.0);
        begin_stop(Status::failed, buf, 0);
      }
    }
  }

  void merge_metrics(const std::vector<std::pair<std::string, std::int64_t>>& m2) {
    for (const auto& [name, value] : m2) {
      auto it = metrics.find(name);
      if (it == metrics.end()) {
        metrics.emplace(name, value);
      } else {
        it->second += value;
      }
    }
  }

  void record_final_failure(std::size_t index, int attempts, double seconds, const std::string& reason) {
    ++failed;
    ++finished_this_run;
    failures.push_back(ItemFailure{std::string(id(index)), reason, attempts});
    durations.add(seconds);
    halt_push(true);
  }

  void record(Worker& w) {
    Finished& f = w.finished;
    switch (f.kind) {
      case Finished::Kind::none: return;
      case Finished::Kind::ok:
        --in_flight;
        ++succeeded;
        ++finished_this_run;
        durations.add(f.seconds);
        merge_metrics(w.metrics);
        halt_push(false);
        break;
      case Finished::Kind::failed:
        --in_flight;
        merge_metrics(w.metrics);
        record_final_failure(f.index, f.attempts, f.seconds, f.reason);
        break;
      case Finished::Kind::retry:
        --in_flight;
        ++retried;
        retries.push(RetryEntry{f.ready, f.index, f.attempts});
        if (f.ready < coord_wake_at) coord_cv.notify_one();
        break;
      case Finished::Kind::abandoned: --in_flight; break;
      case Finished::Kind::dropped:
        if (w.warned_ignoring) {
          log.warning("Cancelled callback returned",
                      {{"item_id", id(f.index)}, {"attempt", f.attempts}, {"duration_ms", rounded_ms(f.seconds)}});
          w.warned_ignoring = false;
        }
        break;
      case Finished::Kind::journal_error:
        --in_flight;
        begin_stop(Status::failed, "journal write failed: " + f.reason, 0);
        break;
    }
    f.kind = Finished::Kind::none;
  }

  /// Gives `w` its next attempt; false when the worker should exit.
  bool take(std::unique_lock<std::mutex>& lock, Worker& w) {
    std::size_t index = 0;
    int done_attempts = 0;
    time_point now;
    for (;;) {
      if (quit || stopping.load()) return false;
      now = clock->now();
      if (now >= deadline_at) {
        begin_stop(Status::deadline_exceeded, "deadline " + format_ms(opt.deadline) + " reached", 0);
        return false;
      }
      if (!ready.empty()) {
        std::tie(index, done_attempts) = ready.front();
        ready.pop_front();
        break;
      }
      if (next < pending.size()) {
        if (limiter.try_acquire(now)) {
          index = pending[next++];
          break;
        }
        if (!token_wait) {
          token_wait = true;
          coord_cv.notify_one();
        }
      } else if (retries.empty() && in_flight == 0) {
        done = true;
        coord_cv.notify_one();
        work_cv.notify_all();
        return false;
      }
      if (in_flight == 0) coord_cv.notify_one();
      work_cv.wait(lock);
    }
    w.index = index;
    w.attempt = done_attempts + 1;
    w.started = now;
    w.deadline = opt.item_timeout.count() > 0 ? now + opt.item_timeout : kNever;
    w.claimed_at = {};
    w.state.store(kRunning, std::memory_order_release);
    ++in_flight;
    last_started = index;
    if (w.deadline < coord_wake_at) coord_cv.notify_one();
    return true;
  }

  /// Takes an attempt away from its worker (timeout or cancellation); false when it already finished.
  bool claim(Worker& w, int new_state, time_point now) {
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

  void on_timeout(Worker& w, time_point now) {
    if (!claim(w, kTimedOut, now)) return;
    const double seconds = std::chrono::duration<double>(now - w.started).count();
    log.warning("Item timed out", {{"item_id", id(w.index)}, {"attempt", w.attempt}, {"timeout_ms", opt.item_timeout}});
    if (w.attempt < opt.retry.max_attempts && !stopping.load()) {
      const auto delay = coord_backoff.delay(w.attempt, std::chrono::milliseconds(0));
      log.warning("Retrying item",
                  {{"item_id", id(w.index)}, {"attempt", w.attempt}, {"reason", "timeout"}, {"backoff_ms", delay}});
      ++retried;
      retries.push(RetryEntry{now + delay, w.index, w.attempt});
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
    record_final_failure(w.index, w.attempt, seconds, "timeout");
  }

  void cancel_all(time_point now) {
    std::size_t n = 0;
    for (auto& w : workers) n += claim(*w, kCancelled, now) ? 1 : 0;
    cancelled = true;
    if (n > 0) log.warning("Cancelling in-flight items", {{"count", n}, {"reason", stop_reason}});
  }

  ProgressSnapshot snapshot(Status status, time_point now) {
    ProgressSnapshot s;
    s.operation = opt.operation;
    s.status = status;
    s.reason = status == Status::completed || status == Status::running || status == Status::starting ? ""
                                                                                                         : stop_reason;
    s.total = total;
    s.succeeded = succeeded;
    s.failed = failed;
    s.processed = succeeded + failed;
    s.percentage = total == 0 ? 100.0 : round1(static_cast<double>(s.processed) * 100.0 / static_cast<double>(total));
    s.retried = retried;
    s.skipped_resumed = skipped_resumed;
    s.in_flight = in_flight;
    const double elapsed = std::chrono::duration<double>(now - start).count();
    estimator.update(elapsed, finished_this_run);
    s.rate_per_second = round1(estimator.rate());
    s.elapsed_seconds = std::round(elapsed * 1000.0) / 1000.0;
    const std::uint64_t remaining = total - s.processed;
    if (auto eta = estimator.eta(remaining)) s.eta_seconds = std::round(*eta);
    {
      std::lock_guard cl(current_m);
      if (current_set) {
        s.current_item = current_text;
      } else if (last_started != static_cast<std::size_t>(-1)) {
        s.current_item = std::string(id(last_started));
      }
    }
    s.started_at = started_at;
    s.timestamp = iso8601(clock->system_now());
    s.last_success_at = last_success_at;
    s.pid = ::getpid();
    s.host = host;
    s.shard = shard;
    s.metrics = metrics;
    return s;
  }

  /// Writes the progress, status and Prometheus files; called without m held.
  void write_files(const ProgressSnapshot& s, const DurationStats& d) {
    try {
      const std::string json = nlohmann::json(s).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      const double ts = std::chrono::duration<double>(clock->system_now().time_since_epoch()).count();
      std::error_code ec;  // a directory deleted mid-run comes back
      std::filesystem::create_directories(files.progress.parent_path(), ec);
      write_file_atomic(files.progress, json);
      write_file_atomic(files.status, json);
      write_file_atomic(files.prometheus, prometheus_text(s, d, ts));
      if (progress_errors > 0) {
        log.info("Progress file written again", {{"path", files.progress.string()}, {"failed_writes", progress_errors}});
        progress_errors = 0;
      }
    } catch (const std::exception& e) {
      if (progress_errors++ == 0) {
        log.warning("Progress file not written", {{"path", files.progress.string()}, {"error", e.what()}});
      }
    }
    if (systemd.active()) systemd.send(systemd_status(s));
    const ll::Value eta = s.eta_seconds ? ll::Value(static_cast<std::int64_t>(*s.eta_seconds)) : ll::Value(nullptr);
    progress_log.info("Progress", {{"operation", s.operation},
                                   {"status", to_string(s.status)},
                                   {"processed", s.processed},
                                   {"total", s.total},
                                   {"percentage", s.percentage},
                                   {"rate_per_second", s.rate_per_second},
                                   {"eta_seconds", eta}});
  }

  void publish(std::unique_lock<std::mutex>& lock, Status status, time_point now) {
    const ProgressSnapshot s = snapshot(status, now);
    const DurationStats d = durations;
    lock.unlock();
    write_files(s, d);
    bar.draw(s, now, true);
    lock.lock();
  }

  /// Group commit; called without m held.
  int sync_journal() {
    const int err = journal.sync();
    if (std::string notice = journal.take_notice(); !notice.empty()) {
      log.warning("Journal file", {{"path", files.journal.string()}, {"detail", notice}});
    }
    return err;
  }

  void worker_main(Worker& w);
  void run_attempt(Worker& w);
  void coordinate(std::unique_lock<std::mutex>& lock);
};

void Engine::State::run_attempt(Worker& w) {
  const std::size_t index = w.index;
  const int attempt = w.attempt;
  const std::string_view item = id(index);
  w.metrics.clear();
  Context ctx(w.stop.get_token(), w.deadline, attempt, item, clock.get(), &w);
  const bool ok = job->attempt(w.number, index, ctx, w.failure, w.result_json);
  const time_point end = clock->now();
  const double seconds = std::chrono::duration<double>(end - w.started).count();
  Finished& f = w.finished;
  f.index = index;
  f.attempts = attempt;
  f.seconds = seconds;
  int expected = kRunning;
  if (!w.state.compare_exchange_strong(expected, kFinishing)) {
    job->discard(w.number);
    if (expected == kTimedOut) {
      log.warning("Late result discarded", {{"item_id", item},
                                            {"attempt", attempt},
                                            {"duration_ms", rounded_ms(seconds)},
                                            {"outcome", ok ? std::string_view("ok") : std::string_view(w.failure.reason)}});
    } else {
      log.info("Cancelled item returned", {{"item_id", item}, {"attempt", attempt}, {"duration_ms", rounded_ms(seconds)}});
    }
    w.stop = std::stop_source();
    f.kind = Finished::Kind::dropped;
    w.state.store(kIdle);
    return;
  }
  if (ok) {
    w.line.clear();
    format_record(w.line, item, true, attempt, seconds * 1e3, w.result_json, {}, w.metrics);
    if (const int err = journal.append(w.line); err != 0) {
      job->discard(w.number);
      f.kind = Finished::Kind::journal_error;
      f.reason = std::strerror(err);
    } else {
      job->commit(w.number, index);
      log.log(opt.item_log_level, "Item processed",
              {{"item_id", item}, {"attempt", attempt}, {"duration_ms", rounded_ms(seconds)}});
      f.kind = Finished::Kind::ok;
    }
  } else {
    const Failure& fail = w.failure;
    if (fail.retry == Retry::yes && attempt < opt.retry.max_attempts) {
      if (stopping.load()) {
        f.kind = Finished::Kind::abandoned;
      } else {
        const auto delay = w.backoff.delay(attempt, fail.retry_after);
        log.warning("Retrying item",
                    {{"item_id", item}, {"attempt", attempt}, {"reason", fail.reason}, {"backoff_ms", delay}});
        f.kind = Finished::Kind::retry;
        f.ready = end + delay;
      }
    } else {
      w.line.clear();
      format_record(w.line, item, false, attempt, seconds * 1e3, {}, fail.reason, w.metrics);
      if (const int err = journal.append(w.line); err != 0) {
        f.kind = Finished::Kind::journal_error;
        f.reason = std::strerror(err);
      } else {
        log.error("Item failed", {{"item_id", item}, {"attempts", attempt}, {"reason", fail.reason}});
        f.kind = Finished::Kind::failed;
        f.reason = fail.reason;
      }
    }
  }
  w.state.store(kIdle);
}

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
    run_attempt(w);
  }
}

void Engine::State::coordinate(std::unique_lock<std::mutex>& lock) {
  time_point next_progress = clock->now() + opt.progress_interval;
  time_point next_sync = clock->now() + opt.checkpoint_interval;
  const bool timeouts = opt.item_timeout.count() > 0;
  for (;;) {
    time_point now = clock->now();
    bool wake_workers = false;
    while (!retries.empty() && retries.top().ready <= now) {
      ready.emplace_back(retries.top().index, retries.top().attempts);
      retries.pop();
      wake_workers = true;
    }
    if (token_wait && limiter.available(now)) {
      token_wait = false;
      wake_workers = true;
    }
    if (wake_workers) work_cv.notify_all();
    for (auto& w : workers) {
      const int st = w->state.load();
      if (timeouts && st == kRunning && w->deadline <= now) {
        on_timeout(*w, now);
      } else if ((st == kTimedOut || st == kCancelled) && !w->warned_ignoring &&
                 now >= w->claimed_at + opt.cancel_grace) {
        w->warned_ignoring = true;
        log.warning("Callback ignores cancellation",
                    {{"item_id", id(w->index)},
                     {"attempt", w->attempt},
                     {"cancelled_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now - w->claimed_at)}});
      }
    }
    if (!stopping.load() && now >= deadline_at) {
      begin_stop(Status::deadline_exceeded, "deadline " + format_ms(opt.deadline) + " reached", 0);
    }
    pet_watchdog(now);
    if (stopping.load() && !cancelled && (cancel_now || now >= cancel_at)) cancel_all(now);
    if (!stops_to_request.empty()) {
      auto stops = std::move(stops_to_request);
      stops_to_request.clear();
      lock.unlock();
      for (auto& s : stops) s.request_stop();
      lock.lock();
      continue;
    }
    if (done || (stopping.load() && in_flight == 0)) return;
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
    time_point wake = std::min({next_progress, next_sync, next_watchdog});
    if (!stopping.load()) wake = std::min(wake, deadline_at);
    if (stopping.load() && !cancelled) wake = std::min(wake, cancel_at);
    if (!retries.empty()) wake = std::min(wake, retries.top().ready);
    if (token_wait) wake = std::min(wake, limiter.next_available(now));
    for (auto& w : workers) {
      const int st = w->state.load();
      if (timeouts && st == kRunning) wake = std::min(wake, w->deadline);
      if ((st == kTimedOut || st == kCancelled) && !w->warned_ignoring) {
        wake = std::min(wake, w->claimed_at + opt.cancel_grace);
      }
    }
    if (bar.enabled()) wake = std::min(wake, now + std::chrono::milliseconds(100));
    coord_wake_at = wake;
    const bool work_ready = !ready.empty() || (next < pending.size() && limiter.available(now) && !stopping.load());
    const bool idle = in_flight == 0 && !work_ready;
    if (bar.enabled() && !idle) {
      const ProgressSnapshot s = snapshot(Status::running, now);
      bar.draw(s, now);
    }
    clock->wait_until(lock, coord_cv, wake, idle);
    coord_wake_at = kNever;
  }
}

Engine::Engine(const Options& options) : state_(std::make_unique<State>(options)) {}
Engine::~Engine() = default;

void Engine::request_stop(int signal) noexcept {
  State& s = *state_;
  std::lock_guard lock(s.m);
  if (!s.stopping.load()) {
    s.begin_stop(Status::interrupted, signal != 0 ? std::string(signal_name(signal)) : "stop requested", signal);
  } else {
    s.cancel_now = true;
    s.coord_cv.notify_one();
  }
}

RunStats Engine::run(Job& job) {
  State& s = *state_;
  const Options& opt = s.opt;
  if (opt.operation.empty() || opt.operation.find('/') != std::string::npos) {
    throw Error("Options::operation must be a non-empty file name, got \"" + opt.operation + "\"");
  }
  if (opt.concurrency == 0) throw Error("Options::concurrency must be at least 1");
  if (opt.retry.max_attempts < 1) throw Error("Options::retry.max_attempts must be at least 1");
  if (opt.halt_failure_rate < 0.0 || opt.halt_failure_rate > 1.0) {
    throw Error("Options::halt_failure_rate must be between 0 and 1");
  }
  s.job = &job;
  s.ids = &job.ids();
  const auto& ids = *s.ids;

  // Ids must be unique: found before anything starts. Each id is hashed once, for the
  // index, the shard and the fingerprint.
  std::vector<std::uint64_t> hashes(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) hashes[i] = stable_hash(ids[i]);
  IdIndex index_of(ids, hashes);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (const std::size_t j = index_of.insert(i); j != IdIndex::npos) {
      throw Error("duplicate item id \"" + ids[i] + "\" at positions " + std::to_string(j) + " and " +
                  std::to_string(i) + "; item ids must be unique");
    }
  }

  s.shard = opt.shard ? opt.shard : shard_from_env();
  if (s.shard && (s.shard->count == 0 || s.shard->index >= s.shard->count)) {
    throw Error("Options::shard must satisfy index < count");
  }
  if (s.shard && s.shard->count <= 1) s.shard.reset();
  std::vector<std::uint8_t> member(ids.size(), 1);
  Fingerprint fingerprint;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (s.shard && hashes[i] % s.shard->count != s.shard->index) {
      member[i] = 0;
      continue;
    }
    fingerprint.add_hash(hashes[i]);
    ++s.total;
  }

  const std::filesystem::path dir = opt.progress_dir.empty() ? default_progress_dir() : opt.progress_dir;
  s.files = progress_files(dir, opt.operation, s.shard);
  s.host = host_name();
  s.start = s.clock->now();
  s.started_at = iso8601(s.clock->system_now());
  if (opt.deadline.count() > 0) s.deadline_at = s.start + opt.deadline;
  try {
    if (std::filesystem::exists(s.files.progress)) {
      const ProgressSnapshot previous = read_progress(s.files.progress);
      if (previous.operation == opt.operation) s.last_success_at = previous.last_success_at;
    }
  } catch (const std::exception&) {
    // An unreadable previous progress file only loses last_success_at.
  }

  // Replay the journal.
  enum : std::uint8_t { kNone = 0, kOk = 1, kFailed = 2 };
  std::vector<std::uint8_t> journaled(ids.size(), kNone);
  std::unordered_map<std::size_t, ItemFailure> old_failures;
  std::vector<std::pair<std::string, std::int64_t>> metrics_buf;
  std::string load_error;
  std::size_t unloadable = 0;
  JournalHeader header{opt.operation, fingerprint.hex(), s.total, s.started_at, s.shard};
  // Journal lines are mostly in input order: try the position after the previous record
  // (and a few around it) before the hash lookup.
  std::size_t hint = 0;
  auto position = [&](std::string_view id) {
    for (std::size_t k = hint > 4 ? hint - 4 : 0, stop = std::min(ids.size(), hint + 4); k < stop; ++k) {
      if (ids[k] == id) return k;
    }
    return index_of.find(id);
  };
  const JournalOpenReport report = s.journal.open(s.files.journal, header, opt.fresh, [&](const JournalRecord& r) {
    const std::size_t i = position(r.id);
    if (i == IdIndex::npos) return;
    hint = i + 1;
    if (member[i] == 0 || journaled[i] == kOk) return;
    metrics_buf.clear();
    for (const auto& [k, v] : r.metrics) metrics_buf.emplace_back(k, v);
    if (r.ok) {
      if (!job.load(i, r.result, load_error)) {
        if (unloadable++ == 0) {
          s.log.warning("Journaled result not loadable, item runs again", {{"item_id", r.id}, {"error", load_error}});
        }
        return;
      }
      journaled[i] = kOk;
      if (!old_failures.empty()) old_failures.erase(i);
      s.merge_metrics(metrics_buf);
    } else {
      journaled[i] = kFailed;
      if (!opt.retry_failed) old_failures[i] = ItemFailure{std::string(r.id), std::string(r.error), r.attempts};
    }
  });
  s.journal_lines_dropped = report.dropped_lines;
  if (report.dropped_lines > 0) {
    s.log.warning("Journal lines dropped", {{"path", s.files.journal.string()},
                                            {"count", report.dropped_lines},
                                            {"detail", report.dropped_detail}});
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (member[i] == 0) continue;
    if (journaled[i] == kOk) {
      ++s.succeeded;
      ++s.skipped_resumed;
    } else if (journaled[i] == kFailed && !opt.retry_failed) {
      ++s.failed;
      s.failures.push_back(old_failures[i]);
    } else {
      s.pending.push_back(i);
    }
  }
  const bool bar_on = opt.progress_bar == ProgressBarMode::on ||
                      (opt.progress_bar == ProgressBarMode::automatic && terminal_allows_bar(2));
  s.bar = ProgressBar(2, bar_on, opt.progress_bar == ProgressBarMode::automatic);
  s.log.info("Batch started", {{"total", s.total},
                               {"pending", s.pending.size()},
                               {"resumed", s.skipped_resumed},
                               {"concurrency", opt.concurrency},
                               {"shard", s.shard ? std::to_string(s.shard->index) + "/" + std::to_string(s.shard->count)
                                                 : std::string()},
                               {"journal", s.files.journal.string()}});

  s.phase(RunPhase::starting);
  std::unique_lock lock(s.m);
  s.publish(lock, Status::starting, s.clock->now());
  std::optional<SignalWatch> signals;
  if (opt.handle_signals) {
    lock.unlock();
    signals.emplace([this](int sig) { request_stop(sig); });
    lock.lock();
  }
  const std::uint64_t seed = opt.seed != 0 ? opt.seed : random_seed();
  s.coord_backoff = Backoff(opt.retry, seed ^ 0x5bd1e995ULL);
  for (std::size_t n = 0; n < opt.concurrency; ++n) {
    s.workers.push_back(std::make_unique<Worker>(&s, n, opt.retry, seed + 0x9E3779B97F4A7C15ULL * (n + 1)));
  }
  s.publish(lock, Status::running, s.clock->now());
  s.phase(RunPhase::running);
  if (opt.systemd_notify) s.systemd.open_from_env();  // after the first write: READY=1 comes first
  if (s.systemd.active()) {
    s.systemd.send("READY=1");
    if (const auto interval = s.systemd.watchdog_interval()) {
      s.systemd.send("WATCHDOG=1");
      s.next_watchdog = s.clock->now() + std::chrono::duration_cast<Clock::duration>(*interval);
    }
  }
  s.live_workers = s.workers.size();
  for (auto& w : s.workers) {
    Worker* wp = w.get();
    w->thread = std::thread([&s, wp] { s.worker_main(*wp); });
  }

  s.coordinate(lock);

  // Wind down: let workers exit; warn about callbacks that ignore cancellation.
  s.quit = true;
  s.work_cv.notify_all();
  while (s.live_workers > 0) {
    time_point now = s.clock->now();
    time_point wake = kNever;
    for (auto& w : s.workers) {
      const int st = w->state.load();
      if ((st == kTimedOut || st == kCancelled) && !w->warned_ignoring) {
        if (now >= w->claimed_at + opt.cancel_grace) {
          w->warned_ignoring = true;
          s.log.warning("Callback ignores cancellation", {{"item_id", s.id(w->index)}, {"attempt", w->attempt}});
        } else {
          wake = std::min(wake, w->claimed_at + opt.cancel_grace);
        }
      }
    }
    s.clock->wait_until(lock, s.coord_cv, wake, true);
  }
  lock.unlock();
  for (auto& w : s.workers) w->thread.join();
  lock.lock();
  signals.reset();

  const int sync_err = s.sync_journal();
  s.journal.close();
  if (sync_err != 0 && s.stop_status != Status::failed) {
    s.stopping = true;
    s.stop_status = Status::failed;
    s.stop_reason = std::string("journal fsync failed: ") + std::strerror(sync_err);
  }

  RunStats stats;
  const std::size_t remaining = s.total - s.succeeded - s.failed;
  stats.status = s.stopping.load() ? s.stop_status : Status::completed;
  if (stats.status == Status::completed && remaining > 0) {
    stats.status = Status::failed;  // cannot happen unless the journal lost items
    s.stop_reason = std::to_string(remaining) + " items without an outcome";
  }
  stats.reason = stats.status == Status::completed ? std::string() : s.stop_reason;
  stats.signal = s.signal;
  stats.total = s.total;
  stats.succeeded = s.succeeded;
  stats.failed = s.failed;
  stats.retried = s.retried;
  stats.skipped_resumed = s.skipped_resumed;
  stats.remaining = remaining;
  const time_point end = s.clock->now();
  stats.elapsed = end - s.start;
  stats.failures = s.failures;
  stats.metrics = s.metrics;
  stats.journal_lines_dropped = s.journal_lines_dropped;
  stats.progress_file = s.files.progress;
  stats.journal_file = s.files.journal;
  if (stats.status == Status::completed) s.last_success_at = iso8601(s.clock->system_now());
  s.stop_reason = stats.reason;
  const ProgressSnapshot final_snapshot = s.snapshot(stats.status, end);
  const DurationStats durations = s.durations;
  lock.unlock();
  s.write_files(final_snapshot, durations);
  s.notify_stopping();
  s.phase(RunPhase::finished);
  s.bar.finish(final_snapshot);

  // The summary, as in the original request.
  const std::size_t processed = stats.succeeded + stats.failed;
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f%%",
                processed == 0 ? 100.0 : static_cast<double>(stats.succeeded) * 100.0 / static_cast<double>(processed));
  const ll::Fields summary_fields = {{"operation", opt.operation},
                                     {"status", to_string(stats.status)},
                                     {"success_rate", std::string_view(rate)},
                                     {"total_processed", processed},
                                     {"succeeded", stats.succeeded},
                                     {"failed", stats.failed},
                                     {"retried", stats.retried},
                                     {"skipped_resumed", stats.skipped_resumed},
                                     {"remaining", stats.remaining},
                                     {"elapsed_seconds", round1(stats.elapsed.count())},
                                     {"reason", stats.reason}};
  const ll::Logger operations = ll::get("operations");
  if (stats.status == Status::completed) {
    operations.info("Batch processing complete", summary_fields);
  } else {
    operations.warning("Batch processing stopped", summary_fields);
  }
  const double elapsed = stats.elapsed.count();
  ll::get("performance")
      .info("Performance metrics",
            {{"operation", opt.operation},
             {"avg_time_ms", durations.count == 0 ? 0.0 : round1(durations.sum_seconds * 1e3 / static_cast<double>(durations.count))},
             {"p95_ms", round1(durations.quantile(0.95) * 1e3)},
             {opt.item_noun + "_per_second",
              elapsed > 0.0 ? round1(static_cast<double>(s.finished_this_run) / elapsed) : 0.0},
             {opt.item_noun, s.finished_this_run}});
  ll::Logger business = ll::get("metrics").bind({{"operation", opt.operation}});
  for (const auto& [name, value] : stats.metrics) business = business.bind({{name, value}});
  business.info("Business results");
  return stats;
}

// ---- Context ----

const ll::Logger& Engine::context_log(Context& ctx) {
  if (!ctx.log_) {
    ctx.log_.emplace(ctx.worker_->state_ptr->log.bind({{"item_id", ctx.id_}, {"attempt", ctx.attempt_}}));
  }
  return *ctx.log_;
}

void Engine::context_metric(Context& ctx, std::string_view name, std::int64_t delta) {
  auto& m = ctx.worker_->metrics;
  for (auto& [k, v] : m) {
    if (k == name) {
      v += delta;
      return;
    }
  }
  m.emplace_back(std::string(name), delta);
}

void Engine::context_set_current(Context& ctx, std::string_view text) {
  State& s = *ctx.worker_->state_ptr;
  std::lock_guard lock(s.current_m);
  s.current_text.assign(text);
  s.current_set = true;
}

}  // namespace leadscout::batch::detail

namespace leadscout::batch {

const leadscout::log::Logger& Context::log() { return detail::Engine::context_log(*this); }
void Context::metric(std::string_view name, std::int64_t delta) { detail::Engine::context_metric(*this, name, delta); }
void Context::set_current(std::string_view text) { detail::Engine::context_set_current(*this, text); }

}  // namespace leadscout::batch

// Configuration of a batch run.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/export.hpp"
#include "leadscout/batch/quota.hpp"
#include "leadscout/batch/results_sink.hpp"
#include "leadscout/batch/shard.hpp"
#include "leadscout/error.hpp"
#include "leadscout/log/level.hpp"

namespace leadscout::batch {

/// The name older code catches; a setup failure of a batch run is a leadscout::Error.
using Error = leadscout::Error;

/// Lifecycle of a run, as written to the progress file. budget_exhausted: a quota's budget
/// could not fit another call, and the remaining items wait for a resume with a larger budget.
enum class Status { starting, running, completed, interrupted, deadline_exceeded, failed, budget_exhausted };

/// "starting", "running", "completed", "interrupted", "deadline_exceeded", "failed",
/// "budget_exhausted".
[[nodiscard]] LEADSCOUT_BATCH_EXPORT std::string_view to_string(Status status) noexcept;
/// Inverse of to_string(); nullopt for anything else.
[[nodiscard]] LEADSCOUT_BATCH_EXPORT std::optional<Status> parse_status(std::string_view text) noexcept;

/// Exponential backoff with full jitter: before attempt n+1 wait a uniformly random time in
/// [0, min(max_backoff, initial_backoff * multiplier^(n-1))].
struct RetryPolicy {
  int max_attempts = 3;  ///< attempts per item, the first one included
  std::chrono::milliseconds initial_backoff{500};  ///< the bound before the second attempt
  std::chrono::milliseconds max_backoff{30000};    ///< the largest bound
  double multiplier = 2.0;                         ///< the bound's growth per attempt
  bool jitter = true;  ///< false waits the full computed backoff
  /// Attempts for failures of a given reason, capped by max_attempts: {"bad_request", 1} stops
  /// retrying a request the provider will never accept. Timeouts have the reason "timeout".
  std::map<std::string, int, std::less<>> max_attempts_by_reason;
};

/// Where a progress bar may be drawn: `automatic` only on a foreground terminal.
enum class ProgressBarMode { automatic, on, off };

/// Extracts an item's id; built with id_function<Item>(f). Empty means "use the `id` member".
class IdFunction {
 public:
  IdFunction() = default;
  /// True when set (by id_function()).
  [[nodiscard]] explicit operator bool() const noexcept { return static_cast<bool>(fn_); }
  /// The item type it was built for, checked against the processor's.
  [[nodiscard]] const std::type_info& item_type() const noexcept { return *type_; }
  /// The id of the item at `item` (of item_type()).
  [[nodiscard]] std::string operator()(const void* item) const { return fn_(item); }

 private:
  template <class Item, class F>
  friend IdFunction id_function(F f);
  std::function<std::string(const void*)> fn_;
  const std::type_info* type_ = &typeid(void);
};

/// An id function for items of type Item: `opt.id = lb::id_function<Lead>([](const Lead& l) { return l.email; });`
template <class Item, class F>
[[nodiscard]] IdFunction id_function(F f) {
  IdFunction id;
  id.fn_ = [f = std::move(f)](const void* item) { return std::string(f(*static_cast<const Item*>(item))); };
  id.type_ = &typeid(Item);
  return id;
}

/// Where a run is in its life, as told to Options::on_phase.
enum class RunPhase {
  starting,  ///< the journal is being loaded
  running,   ///< items are being processed (skipped when a stop began during the load)
  stopping,  ///< a stop began (signal, deadline, stop(), halt): no new item starts
  finished,  ///< run() is about to return; every file is final
};

/// How a BackgroundProcessor runs: concurrency, time limits, retries, rate limit, where its
/// files go, signals and the hooks of the run. Every default suits a first run.
struct Options {
  /// Names the progress, journal and Prometheus files and appears in every log line.
  std::string operation = "batch";
  /// Worker threads; items start in input order.
  std::size_t concurrency = 4;
  /// Per attempt; zero means none. A timed-out attempt fails with reason "timeout" (retryable).
  std::chrono::milliseconds item_timeout{0};
  /// From the start of run(); zero means none. Then no new item starts, in-flight ones get
  /// shutdown_grace, and the status is deadline_exceeded.
  std::chrono::milliseconds deadline{0};
  /// How long in-flight items may finish after a stop (deadline, signal, halt) before they are cancelled.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
  /// A cancelled callback still running after this long is logged as ignoring cancellation.
  std::chrono::milliseconds cancel_grace{std::chrono::seconds(5)};
  RetryPolicy retry;  ///< attempts per item and the backoff between them
  /// Provider quotas that callbacks take permits from with Context::acquire(): requests and
  /// tokens per minute, in-flight calls and a spend budget, each overridable with
  /// LEADSCOUT_QUOTA_<NAME>. Under a shard spec of n shards each shard takes 1/n of the rates
  /// and the budget.
  std::vector<Quota> quotas;
  /// Item starts per second (token bucket); zero means unlimited.
  double rate_limit_per_second = 0.0;
  /// Starts the bucket may save up.
  double rate_limit_burst = 1.0;
  /// Stops the batch (status failed) when this share of the last halt_window finished items
  /// failed; zero disables it. Like GNU parallel's --halt soon,fail=X%.
  double halt_failure_rate = 0.0;
  std::size_t halt_window = 50;  ///< finished items the failure share is measured over
  /// Progress, journal and Prometheus files; empty means default_progress_dir(): `progress`
  /// under `$LEADSCOUT_LOG_DIR` if set, else under the log configuration's Config::dir.
  std::filesystem::path progress_dir;
  /// The progress file is rewritten at most this often (and at every status change).
  std::chrono::milliseconds progress_interval{500};
  /// The journal is fsync'ed at least this often (and at every stop).
  std::chrono::milliseconds checkpoint_interval{1000};
  /// Ignore and truncate an existing journal instead of resuming from it.
  bool fresh = false;
  /// On resume, run the items the journal records as failed again.
  bool retry_failed = true;
  /// Install SIGINT/SIGTERM handlers while run() is active; false leaves signals to the
  /// application, which calls BackgroundProcessor::stop().
  bool handle_signals = true;
  ProgressBarMode progress_bar = ProgressBarMode::automatic;  ///< where a progress bar is drawn
  /// Under systemd (NOTIFY_SOCKET set): send READY=1, STATUS= at each progress write,
  /// WATCHDOG=1 at half of WATCHDOG_USEC while the batch makes progress, and STOPPING=1.
  bool systemd_notify = true;
  /// Called at each RunPhase with the progress directory: in phase order, each at most once
  /// (stopping only after a stop), on run()'s thread with no lock of the processor held, so it
  /// may call stop(). An exception it throws is logged ("Phase callback failed") and the run
  /// goes on, except a leadscout::Error thrown at `starting`, a setup failure that run() throws
  /// (after `finished`) before any item runs. E.g. leadscout::monitor::attach(opt) serves the
  /// monitoring endpoint, and a port that cannot be bound fails run().
  std::function<void(RunPhase, const std::filesystem::path& progress_dir)> on_phase;
  /// Level of the per-item "Item processed" event.
  leadscout::log::Level item_log_level = leadscout::log::Level::debug;
  /// What the items are called in the summary's field names ("leads" gives leads_per_second).
  std::string item_noun = "items";
  /// Logger of the processor's own events.
  std::string logger = "batch";
  /// This process's shard; unset means the environment (shard_from_env()) or the whole input.
  std::optional<ShardSpec> shard;
  /// How many items a streamed input probably has (this shard's share of them), when known.
  /// Until the input ends the progress file says "total": null; this estimate then gives the
  /// percentage and the ETA. A sized range supplies its size (divided among shards) by default.
  std::optional<std::uint64_t> expected_total;
  /// Where results go as items finish: jsonl_results(path), csv_results(path) or a callback.
  /// With a sink, Summary::results stays empty, so memory does not grow with the results.
  ResultsSink results;
  /// Item ids; empty means the item's `id` member (a string or an integer).
  IdFunction id;
  /// Time source; empty means the real clocks.
  std::shared_ptr<Clock> clock;
  /// Seed of the backoff jitter; zero means a random seed.
  std::uint64_t seed = 0;
};

/// The default progress directory: $LEADSCOUT_LOG_DIR/progress when the variable is set, else
/// `progress` under the log tree in force, the Config::dir given to leadscout::log::init() (see
/// leadscout::log::log_dir()); "logs/progress" before init().
[[nodiscard]] LEADSCOUT_BATCH_EXPORT std::filesystem::path default_progress_dir();

}  // namespace leadscout::batch

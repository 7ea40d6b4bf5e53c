// Publishing a run's state: the progress and status files, the Prometheus textfile, the
// "Progress" event, the terminal bar and systemd notifications.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "estimator.hpp"
#include "files.hpp"
#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/progress.hpp"
#include "leadscout/log/logger.hpp"
#include "progress_bar.hpp"
#include "run_report.hpp"
#include "run_telemetry.hpp"
#include "systemd.hpp"

namespace leadscout::batch::detail {

/// Everything a run tells the outside world about its progress. snapshot() and the
/// watchdog run with the engine's lock held; write() and the bar's final draw without it.
/// Not thread-safe otherwise: one coordinator thread uses it.
class Publisher {
 public:
  Publisher(const Options& opt, Clock& clock, leadscout::log::Logger log);

  /// Sets the files and the run's identity; keeps last_success_at from an earlier progress file.
  void prepare(const ProgressFiles& files, const std::optional<ShardSpec>& shard, Clock::time_point start);
  [[nodiscard]] const ProgressFiles& files() const noexcept { return files_; }
  [[nodiscard]] const std::string& started_at() const noexcept { return started_at_; }
  /// Records that the run completed now (the snapshot's last_success_at).
  void mark_success();

  /// The state at `now`, except in_flight and current_item, which the engine fills.
  [[nodiscard]] ProgressSnapshot snapshot(Status status, const std::string& stop_reason, const RunReport& report,
                                          Clock::time_point now);
  /// Writes the progress, status and Prometheus files (with the callbacks' `telemetry`), sends
  /// STATUS= and logs "Progress"; a failed write is logged once until a write works again.
  void write(const ProgressSnapshot& s, const DurationStats& durations, const RunTelemetry& telemetry);
  /// write() and a forced redraw of the bar.
  void show(const ProgressSnapshot& s, const DurationStats& durations, const RunTelemetry& telemetry,
            Clock::time_point now);

  [[nodiscard]] bool bar_enabled() const noexcept { return bar_.enabled(); }
  /// Redraws the bar, at most 10 times a second.
  void draw_bar(const ProgressSnapshot& s, Clock::time_point now) { bar_.draw(s, now); }
  /// Ends the bar's line.
  void finish_bar(const ProgressSnapshot& s) { bar_.finish(s); }

  /// Opens the systemd notification socket (Options::systemd_notify) and sends READY=1.
  void announce_ready(Clock::time_point now);
  /// Sends STOPPING=1, once.
  void announce_stopping();
  /// Sends WATCHDOG=1 when due and the batch makes progress: `activity` changed since the
  /// last check, or `busy` (an attempt runs within its timeout, a retry or token is awaited).
  void pet_watchdog(Clock::time_point now, std::size_t activity, bool busy);
  /// When pet_watchdog() is next due; Clock::time_point::max() without a watchdog.
  [[nodiscard]] Clock::time_point next_watchdog() const noexcept { return next_watchdog_; }

 private:
  const Options& opt_;
  Clock& clock_;
  leadscout::log::Logger log_;
  leadscout::log::Logger progress_log_;
  ProgressFiles files_;
  std::optional<ShardSpec> shard_;
  std::string host_;
  std::string started_at_;
  Clock::time_point start_{};
  std::optional<std::string> last_success_at_;
  std::size_t failed_writes_ = 0;  ///< failed writes since the last good one
  RateEstimator estimator_;
  ProgressBar bar_;
  SystemdNotifier systemd_;
  Clock::time_point next_watchdog_ = Clock::time_point::max();
  std::size_t watchdog_activity_ = 0;
  bool stopping_sent_ = false;
};

}  // namespace leadscout::batch::detail

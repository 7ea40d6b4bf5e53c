// The run report: outcome counts, failures, business metrics and item durations, and the
// summary events that close a run.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "files.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/progress.hpp"
#include "leadscout/batch/summary.hpp"

namespace leadscout::batch::detail {

using MetricList = std::vector<std::pair<std::string, std::int64_t>>;

/// Counts of one run, resumed items included. Not thread-safe: the journal's replay fills it
/// before the workers start; from then on the engine uses it with its lock held.
class RunReport {
 public:
  /// Items of the run; `known` false while a streamed input has not ended (then `total`
  /// counts the items seen so far and the finished ones of earlier runs).
  void set_total(std::size_t total, bool known = true) noexcept {
    total_ = total;
    total_known_ = known;
  }
  /// Options::expected_total: the estimate while the total is unknown.
  void set_expected_total(std::optional<std::uint64_t> expected) noexcept { expected_total_ = expected; }
  /// An item the journal records as ok: it is not run again.
  void add_resumed_success() noexcept;
  /// An item the journal records as failed, kept as failed (Options::retry_failed off).
  void add_resumed_failure(ItemFailure failure);
  /// An item that succeeded in this run after `seconds`.
  void add_success(double seconds) noexcept;
  /// An item that failed finally in this run.
  void add_failure(std::string id, int attempts, double seconds, std::string reason);
  void add_retry() noexcept { ++retried_; }
  /// Adds the Context::metric() counters of one item.
  void merge_metrics(const MetricList& metrics);

  [[nodiscard]] std::size_t total() const noexcept { return total_; }
  [[nodiscard]] bool total_known() const noexcept { return total_known_; }
  [[nodiscard]] std::size_t resumed() const noexcept { return skipped_resumed_; }
  /// Items that finished in this run (resumed ones not included).
  [[nodiscard]] std::size_t finished_this_run() const noexcept { return finished_this_run_; }
  /// Changes whenever an item finishes or is retried (the watchdog's sign of progress).
  [[nodiscard]] std::size_t activity() const noexcept { return succeeded_ + failed_ + retried_; }
  [[nodiscard]] const DurationStats& durations() const noexcept { return durations_; }

  /// Fills the counts, percentage and metrics of a progress snapshot.
  void fill(ProgressSnapshot& s) const;
  /// What run() returns. A completed run with items left without an outcome is failed.
  [[nodiscard]] RunStats stats(Status status, std::string reason, int signal,
                               std::chrono::duration<double> elapsed) const;
  /// Logs "Batch processing complete" or "... stopped", "Performance metrics" and
  /// "Business results".
  void log_summary(const Options& opt, const RunStats& stats) const;

 private:
  std::size_t total_ = 0;
  bool total_known_ = true;
  std::optional<std::uint64_t> expected_total_;
  std::size_t succeeded_ = 0;
  std::size_t failed_ = 0;
  std::size_t retried_ = 0;
  std::size_t skipped_resumed_ = 0;
  std::size_t finished_this_run_ = 0;
  std::vector<ItemFailure> failures_;
  std::map<std::string, std::int64_t, std::less<>> metrics_;
  DurationStats durations_;
};

/// One decimal, as written to the progress file and the summary.
[[nodiscard]] double round1(double v) noexcept;

}  // namespace leadscout::batch::detail

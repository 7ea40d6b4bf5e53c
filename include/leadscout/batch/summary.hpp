// What run() returns.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "leadscout/batch/options.hpp"
#include "leadscout/batch/progress.hpp"

namespace leadscout::batch {

/// An item that failed finally (after its last attempt or a Retry::no failure).
struct ItemFailure {
  std::string id;      ///< the item's id
  std::string reason;  ///< the last attempt's Failure::reason
  int attempts = 0;    ///< attempts made, resumed runs included
};

/// Everything about a run except the results.
struct RunStats {
  Status status = Status::starting;  ///< how the run ended
  /// Why the run stopped early ("deadline 2h reached", "signal SIGINT", the halt reason, ...).
  std::string reason;
  /// The signal that interrupted the run (SIGINT, SIGTERM) or 0.
  int signal = 0;
  std::size_t total = 0;            ///< items of this shard
  std::size_t succeeded = 0;        ///< ok items, resumed ones included
  std::size_t failed = 0;           ///< items that failed finally
  std::size_t retried = 0;          ///< retries in this run
  std::size_t skipped_resumed = 0;  ///< ok items loaded from the journal, not run again
  std::size_t remaining = 0;        ///< items without an outcome (resumable)
  std::chrono::duration<double> elapsed{};  ///< wall time of run()
  std::vector<ItemFailure> failures;        ///< the items that failed finally
  /// Sums of Context::metric(), resumed items included.
  std::map<std::string, std::int64_t, std::less<>> metrics;
  /// Each quota's final figures, by name: tokens and spend of the whole operation (earlier
  /// runs included), rate limits and permits of this run.
  std::map<std::string, QuotaReport, std::less<>> quotas;
  /// Journal lines that were torn or corrupt and cut off when resuming.
  std::size_t journal_lines_dropped = 0;
  std::filesystem::path progress_file;  ///< the progress file this run wrote
  std::filesystem::path journal_file;   ///< the journal that resumes it
};

/// The outcome of run(): statistics plus every ok result (resumed ones included), in input order.
template <class Result>
struct Summary : RunStats {
  std::vector<std::pair<std::string, Result>> results;  ///< (id, result) of every ok item
};

/// The process exit status for a run: 0 completed with every item ok, 5 completed with items
/// that failed finally (`failed > 0`: a scheduler must not mistake it for a clean run), 130
/// after SIGINT (or stop()), 143 after SIGTERM, 3 deadline exceeded, 4 budget exhausted, 1 failed.
[[nodiscard]] LEADSCOUT_BATCH_EXPORT int exit_code(const RunStats& stats) noexcept;

}  // namespace leadscout::batch

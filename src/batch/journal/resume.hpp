// Resume: the items of this run (unique ids, this shard) and what an earlier run's journal
// says about them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "journal.hpp"
#include "leadscout/batch/detail/job.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/log/logger.hpp"
#include "output/run_report.hpp"
#include "usage_ledger.hpp"

namespace leadscout::batch::detail {

/// Item ids to input positions: open addressing over precomputed stable hashes.
class IdIndex {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  IdIndex(const std::vector<std::string>& ids, const std::vector<std::uint64_t>& hashes);
  /// Adds position i; returns the position already holding the same id, or npos.
  std::size_t insert(std::size_t i);
  [[nodiscard]] std::size_t find(std::string_view id) const noexcept;

 private:
  const std::vector<std::string>& ids_;
  const std::vector<std::uint64_t>& hashes_;
  std::vector<std::size_t> slots_;
  std::size_t mask_ = 0;
};

/// The items of a run and their replay from the journal. Construct (which checks the ids),
/// then replay() once.
class Resume {
 public:
  /// Throws Error for a duplicate id or an invalid shard. `shard` with count <= 1 is the
  /// whole input.
  Resume(const std::vector<std::string>& ids, std::optional<ShardSpec> shard);
  Resume(const Resume&) = delete;
  Resume& operator=(const Resume&) = delete;

  /// The shard this run works on; nullopt for the whole input.
  [[nodiscard]] const std::optional<ShardSpec>& shard() const noexcept { return shard_; }
  /// Items of this shard.
  [[nodiscard]] std::size_t total() const noexcept { return total_; }
  /// The journal header of this input.
  [[nodiscard]] JournalHeader header(const std::string& operation, const std::string& created_at) const;

  /// Opens `journal`, loads every journaled result through `job`, and counts resumed items
  /// into `report`. Returns the positions still to run, in input order. Throws Error when the
  /// journal cannot be opened or belongs to another input.
  /// `on_ok(id, result_json)` is called once for each item the journal records as ok.
  using OkCallback = std::function<void(std::string_view id, std::string_view result_json)>;
  [[nodiscard]] std::vector<std::size_t> replay(Journal& journal, const std::filesystem::path& path,
                                                const JournalHeader& header, Job& job, const Options& opt,
                                                const leadscout::log::Logger& log, RunReport& report,
                                                const OkCallback& on_ok = {});
  /// Journal lines that were torn or corrupt.
  [[nodiscard]] std::size_t dropped_lines() const noexcept { return dropped_lines_; }
  /// What the journaled attempts charged, by quota: the operation's usage before this run.
  [[nodiscard]] const UsageList& prior_usage() const noexcept { return prior_usage_; }
  /// The "note" records of a deferred executor, oldest first.
  [[nodiscard]] const std::vector<std::string>& notes() const noexcept { return notes_; }

 private:
  enum : std::uint8_t { kNone = 0, kOk = 1, kFailed = 2 };
  [[nodiscard]] std::size_t position(std::string_view id) noexcept;
  void on_record(const JournalRecord& r, Job& job, const Options& opt, const leadscout::log::Logger& log,
                 RunReport& report, const OkCallback& on_ok);

  const std::vector<std::string>& ids_;
  std::vector<std::uint64_t> hashes_;
  IdIndex index_;
  std::optional<ShardSpec> shard_;
  std::vector<std::uint8_t> member_;
  std::string fingerprint_;
  std::size_t total_ = 0;
  // Replay state.
  std::vector<std::uint8_t> journaled_;
  std::unordered_map<std::size_t, ItemFailure> old_failures_;  ///< kept failures (retry_failed off)
  MetricList metrics_buf_;
  std::string load_error_;
  std::size_t unloadable_ = 0;
  std::size_t hint_ = 0;
  std::size_t dropped_lines_ = 0;
  UsageList prior_usage_;
  std::vector<std::string> notes_;
};

}  // namespace leadscout::batch::detail

// Resume of a streamed input: what an earlier run's journal says, held without the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "digest_index.hpp"
#include "journal.hpp"
#include "leadscout/batch/detail/job.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/log/logger.hpp"
#include "resume.hpp"
#include "output/run_report.hpp"
#include "usage_ledger.hpp"

namespace leadscout::batch::detail {

/// The journal of a streamed input: the digests of finished ids (the resume index) and the
/// input checkpoints. Construct, replay() once, then ask.
class StreamResume {
 public:
  /// Throws Error for an invalid shard. `shard` with count <= 1 is the whole input.
  explicit StreamResume(std::optional<ShardSpec> shard);
  StreamResume(const StreamResume&) = delete;
  StreamResume& operator=(const StreamResume&) = delete;

  [[nodiscard]] const std::optional<ShardSpec>& shard() const noexcept { return shard_; }
  /// The journal header of a streamed input (no fingerprint of its own: the checkpoints hold it).
  [[nodiscard]] JournalHeader header(const std::string& operation, const std::string& created_at) const;

  /// Opens `journal` and reads it: finished ids into the index, their results through `job`
  /// (and `on_ok`), kept failures and resumed counts into `report`. Throws Error when the
  /// journal cannot be opened or belongs to another input.
  void replay(Journal& journal, const std::filesystem::path& path, const JournalHeader& header, Job& job,
              const Options& opt, const leadscout::log::Logger& log, RunReport& report,
              const Resume::OkCallback& on_ok = {});

  /// Whether each item is already done (ok, or failed and kept), by its digest.
  void finished(std::span<const IdDigest> digests, std::vector<DigestIndex::Outcome>& scratch,
                std::vector<bool>& done) const;
  /// Items the journal counts as done (what finished() says yes to).
  [[nodiscard]] std::size_t finished_count() const noexcept { return finished_count_; }
  /// What is wrong when the first `items` ids of this input have `fingerprint` (and the input
  /// ends there when `end`), by the journal's checkpoints; "" when it agrees.
  [[nodiscard]] std::string check(std::uint64_t items, std::string_view fingerprint, bool end) const;
  /// True when the journal already holds this checkpoint.
  [[nodiscard]] bool recorded(std::uint64_t items, bool end) const noexcept;

  [[nodiscard]] std::size_t dropped_lines() const noexcept { return dropped_lines_; }
  [[nodiscard]] const UsageList& prior_usage() const noexcept { return prior_usage_; }
  /// A deferred executor's records (Resume::notes()).
  [[nodiscard]] const std::vector<std::string>& notes() const noexcept { return notes_; }
  /// Heap bytes of the resume index.
  [[nodiscard]] std::size_t index_bytes() const noexcept { return index_.bytes(); }

 private:
  struct Checkpoint {
    std::string fingerprint;
    bool end = false;
  };
  void on_record(const JournalRecord& r, Job& job, const leadscout::log::Logger& log, RunReport& report,
                 const Resume::OkCallback& on_ok);

  std::optional<ShardSpec> shard_;
  DigestIndex index_;
  bool retry_failed_ = false;
  std::size_t finished_count_ = 0;
  std::map<std::uint64_t, Checkpoint> checkpoints_;  ///< by item count; about one per 1024 items
  std::optional<std::uint64_t> end_;                 ///< where an earlier run saw the input end
  std::unordered_map<std::string, ItemFailure> failures_;  ///< by id; only with retry_failed off
  MetricList metrics_buf_;
  std::string load_error_;
  std::size_t unloadable_ = 0;
  std::size_t dropped_lines_ = 0;
  UsageList prior_usage_;
  std::vector<std::string> notes_;
};

}  // namespace leadscout::batch::detail

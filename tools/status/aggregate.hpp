// leadscout-status: the shards of each operation summed into one row, quotas included.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "leadscout/batch/progress.hpp"

#include "process_probe.hpp"
#include "llm_cache.hpp"
#include "quota.hpp"
#include "scan.hpp"
#include "time_text.hpp"

namespace leadscout::status {

namespace lb = leadscout::batch;

/// The world as seen by one evaluation.
struct Environment {
  TimePoint now;
  ProcessProbe probe = probe_local_process;
};

/// One shard (or the whole of an unsharded operation) as displayed.
struct ShardRow {
  const ShardFile* source = nullptr;
  double heartbeat_age_seconds = 0.0;  ///< now - timestamp, never negative
  PidState pid = PidState::unknown;
  std::vector<QuotaRow> quotas;  ///< this shard's quotas
};

/// One operation: its shards summed.
struct OperationRow {
  std::string operation;
  lb::Status status = lb::Status::starting;  ///< see combine_status()
  std::uint64_t processed = 0, total = 0, succeeded = 0, failed = 0, retried = 0, skipped_resumed = 0,
                in_flight = 0;
  bool total_known = true;  ///< false while a shard reads a streamed input not yet at its end
  std::optional<std::uint64_t> expected_total;  ///< the estimate then, when every such shard has one
  double percentage = 0.0;  ///< processed / total (or the estimate), one decimal; 0 without items
  double rate_per_second = 0.0;
  std::optional<double> eta_seconds;  ///< the slowest active shard's; null when any is unknown
  double heartbeat_age_seconds = 0.0;  ///< the oldest heartbeat of the shards
  PidState pid = PidState::unknown;  ///< dead if any active shard's process is gone
  std::uint32_t shard_count = 0;       ///< 0 when unsharded
  std::vector<std::string> reasons;    ///< non-empty reasons of the shards
  std::vector<ShardRow> shards;       ///< one per file, in shard order
  std::vector<QuotaRow> quotas;       ///< the shards' quotas summed by name; empty without quotas
  LlmCacheFigures llm_cache;          ///< the shards' LLM response cache figures summed
};

/// Whether a status means the run is still going (starting, running).
[[nodiscard]] bool is_active(lb::Status status) noexcept;

/// The status of an operation from its shards' statuses: failed if any failed; otherwise
/// running if any is running (starting if every active one is starting); otherwise the first of
/// deadline_exceeded, interrupted, completed that any shard has.
[[nodiscard]] lb::Status combine_status(const std::vector<lb::Status>& statuses);

/// Groups the files into operations (an operation's unsharded file and its shard files of one
/// shard count form separate rows) and sums them, quotas included.
[[nodiscard]] std::vector<OperationRow> aggregate(const std::vector<ShardFile>& files, const Environment& env);

}  // namespace leadscout::status

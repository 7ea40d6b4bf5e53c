// The progress file schema (<progress_dir>/<operation>.json), for the processor that writes
// it and for tools that read it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "leadscout/batch/export.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/shard.hpp"

namespace leadscout::batch {

/// One state of a run, as written to the progress file. Schema version 1.
struct ProgressSnapshot {
  static constexpr int current_schema_version = 1;
  int schema_version = current_schema_version;
  std::string operation;
  Status status = Status::starting;
  std::string reason;               ///< why the run stopped, empty while running or when completed
  std::uint64_t processed = 0;      ///< succeeded + failed
  std::uint64_t total = 0;
  double percentage = 0.0;          ///< 0..100, one decimal
  std::uint64_t succeeded = 0;      ///< resumed ones included
  std::uint64_t failed = 0;
  std::uint64_t retried = 0;
  std::uint64_t skipped_resumed = 0;
  std::uint64_t in_flight = 0;
  double rate_per_second = 0.0;     ///< smoothed
  double elapsed_seconds = 0.0;
  std::optional<double> eta_seconds;  ///< null when unknown
  std::string current_item;
  std::string started_at;           ///< ISO-8601 UTC
  std::string timestamp;            ///< ISO-8601 UTC: the heartbeat
  std::optional<std::string> last_success_at;  ///< when a run of this operation last completed
  std::int64_t pid = 0;
  std::string host;
  std::optional<ShardSpec> shard;   ///< null when unsharded
  std::map<std::string, std::int64_t, std::less<>> metrics;  ///< Context::metric() sums
};

LEADSCOUT_BATCH_EXPORT void to_json(nlohmann::json& j, const ProgressSnapshot& s);
/// Throws nlohmann::json::exception on a missing or mistyped field.
LEADSCOUT_BATCH_EXPORT void from_json(const nlohmann::json& j, ProgressSnapshot& s);

/// Reads and parses a progress file; throws Error naming the file on failure.
[[nodiscard]] LEADSCOUT_BATCH_EXPORT ProgressSnapshot read_progress(const std::filesystem::path& file);

/// File names of an operation (with its shard) inside a progress directory.
struct ProgressFiles {
  std::filesystem::path progress;  ///< <operation>[.shard-i-of-n].json
  std::filesystem::path status;    ///< batch-status.json
  std::filesystem::path prometheus;  ///< <operation>[.shard-i-of-n].prom
  std::filesystem::path journal;   ///< <operation>[.shard-i-of-n].checkpoint.jsonl
};
[[nodiscard]] LEADSCOUT_BATCH_EXPORT ProgressFiles progress_files(const std::filesystem::path& dir, std::string_view operation,
                                           std::optional<ShardSpec> shard);

}  // namespace leadscout::batch

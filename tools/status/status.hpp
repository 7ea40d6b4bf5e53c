// leadscout-status core: reads a progress directory, sums shards into one row per operation,
// evaluates the health check and renders the table, the JSON document and the check line.
// Everything that depends on the world (the clock, the host name, whether a pid is alive) is a
// parameter, so the tests need neither sleeps nor real processes.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "leadscout/batch/progress.hpp"

#include "quota.hpp"

namespace leadscout::status {

namespace lb = leadscout::batch;
using TimePoint = std::chrono::system_clock::time_point;

/// What a file name says: `<operation>.json` or `<operation>.shard-<i>-of-<n>.json`.
struct ProgressName {
  std::string operation;
  std::optional<lb::ShardSpec> shard;
};

/// The operation (and shard) a file name belongs to; nullopt for anything that is not a progress
/// file: batch-status.json (a mirror of one of them), .prom, .checkpoint.jsonl, temporary files,
/// hidden files.
[[nodiscard]] std::optional<ProgressName> parse_progress_name(std::string_view filename);

/// ISO-8601 UTC as the processor writes it (`2025-07-06T10:30:15.123Z`); also accepts no
/// fraction, a space for `T`, and a `+HH:MM`/`-HH:MM` offset. nullopt when malformed.
[[nodiscard]] std::optional<TimePoint> parse_iso8601(std::string_view text);

/// ISO-8601 UTC with whole seconds and `Z`.
[[nodiscard]] std::string format_iso8601(TimePoint t);

/// `0s`, `45s`, `1m05s`, `2h03m`, `3d04h`; negative values are shown as `0s`.
[[nodiscard]] std::string format_duration(double seconds);

/// One progress file that was read and validated.
struct ShardFile {
  std::filesystem::path file;
  ProgressName name;
  lb::ProgressSnapshot snapshot;
  TimePoint heartbeat;  ///< snapshot.timestamp, parsed
};

/// A file that looked like a progress file but could not be read, parsed or validated.
struct FileError {
  std::filesystem::path file;
  std::string operation;  ///< from the file name
  std::string message;    ///< one line
};

/// Everything found in a progress directory.
struct ScanResult {
  std::vector<ShardFile> files;   ///< sorted by operation, then shard index
  std::vector<FileError> errors;  ///< sorted by file name
};

/// Reads and validates one progress file (JSON, schema version 1, parseable timestamp).
/// Returns the error text on failure; never throws for bad content.
[[nodiscard]] std::variant<ShardFile, FileError> read_progress_file(const std::filesystem::path& file,
                                                                    const ProgressName& name);

/// Reads every progress file in `dir` (not recursive); only operation `operation` when it is
/// not empty. Throws std::runtime_error naming `dir` when it is missing or not a directory.
[[nodiscard]] ScanResult scan_directory(const std::filesystem::path& dir, std::string_view operation = {});

/// Whether the process that wrote a progress file still exists.
enum class PidState { alive, dead, unknown };

/// Says whether `pid` on `host` is alive: unknown on another host (or without a pid).
using ProcessProbe = std::function<PidState(std::string_view host, std::int64_t pid)>;

/// The real probe: compares `host` with gethostname() and asks kill(pid, 0), EPERM counting as
/// alive; a zombie (killed, not reaped yet, per /proc/<pid>/stat) counts as dead.
[[nodiscard]] PidState probe_local_process(std::string_view host, std::int64_t pid);

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

/// Options of the health check.
struct CheckOptions {
  double stale_after_seconds = 60.0;
  double max_failure_rate = 0.1;  ///< failed / processed; above it is a warning
};

/// Monitoring-plugin states; the numbers are the exit codes.
enum class CheckState { ok = 0, warning = 1, critical = 2, unknown = 3 };

/// "OK", "WARNING", "CRITICAL", "UNKNOWN".
[[nodiscard]] std::string_view to_string(CheckState s) noexcept;

/// The more severe of two states: OK < UNKNOWN < WARNING < CRITICAL (monitoring-plugins'
/// max_state_alt), so that an unreadable file never hides a dead process.
[[nodiscard]] CheckState worse(CheckState a, CheckState b) noexcept;

/// The outcome of the health check.
struct CheckResult {
  CheckState state = CheckState::ok;
  std::string line;  ///< `LEADSCOUT OK - ...`, one line
};

/// Evaluates the check over a scan: the processes, heartbeats and failure rates, and the
/// quotas' budgets (see quota_problems()). `dir` and `operation` only name things in the message.
[[nodiscard]] CheckResult evaluate_check(const ScanResult& scan, const std::vector<OperationRow>& rows,
                                         const CheckOptions& options, const Environment& env,
                                         const std::filesystem::path& dir, std::string_view operation);

/// The human table; with `show_shards`, each shard on its own line under its operation. When an
/// operation has quotas, the table gains the quota_headings() columns (its quotas together) and,
/// for two or more quotas, one line per quota.
[[nodiscard]] std::string render_table(const std::vector<OperationRow>& rows, bool show_shards);

/// The machine document: `{"now", "dir", "operations": [...], "errors": [...]}`.
[[nodiscard]] nlohmann::json render_json(const ScanResult& scan, const std::vector<OperationRow>& rows,
                                         const Environment& env, const std::filesystem::path& dir);

}  // namespace leadscout::status

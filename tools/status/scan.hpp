// leadscout-status: the progress files of a directory, read and validated.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "leadscout/batch/progress.hpp"

#include "time_text.hpp"

namespace leadscout::status {

namespace lb = leadscout::batch;

/// What a file name says: `<operation>.json` or `<operation>.shard-<i>-of-<n>.json`.
struct ProgressName {
  std::string operation;
  std::optional<lb::ShardSpec> shard;
};

/// The operation (and shard) a file name belongs to; nullopt for anything that is not a progress
/// file: batch-status.json (a mirror of one of them), .prom, .checkpoint.jsonl, temporary files,
/// hidden files.
[[nodiscard]] std::optional<ProgressName> parse_progress_name(std::string_view filename);

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

}  // namespace leadscout::status

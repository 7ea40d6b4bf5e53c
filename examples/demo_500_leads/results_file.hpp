// The results file: one row per lead, separate from the logs.
#pragma once

#include <filesystem>
#include <vector>

#include "classifier.hpp"

namespace demo {

/// One row: id,name,label,confidence,method,provider.
struct ResultRow {
  std::string id;
  Classification c;
};

/// Writes the rows as CSV (RFC 4180, header id,name,label,confidence,method,provider) or, for a
/// `.jsonl` path, one JSON object per line with the same keys. Creates the parent directory and
/// replaces `path` atomically (temporary file, fsync, rename). Throws std::runtime_error on failure.
void write_results(const std::filesystem::path& path, const std::vector<ResultRow>& rows);

}  // namespace demo

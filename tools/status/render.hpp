// leadscout-status: the table and the JSON document.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "aggregate.hpp"
#include "scan.hpp"

namespace leadscout::status {

/// The human table; with `show_shards`, each shard on its own line under its operation. When an
/// operation has quotas, the table gains the quota_headings() columns (its quotas together) and,
/// for two or more quotas, one line per quota.
[[nodiscard]] std::string render_table(const std::vector<OperationRow>& rows, bool show_shards);

/// The machine document: `{"now", "dir", "operations": [...], "errors": [...]}`.
[[nodiscard]] nlohmann::json render_json(const ScanResult& scan, const std::vector<OperationRow>& rows,
                                         const Environment& env, const std::filesystem::path& dir);

}  // namespace leadscout::status

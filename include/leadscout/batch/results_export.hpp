// Exporting a run's results to a file of their own (not the logs).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/batch/export.hpp"
#include "leadscout/batch/summary.hpp"

namespace leadscout::batch {

namespace detail {
LEADSCOUT_BATCH_EXPORT void export_jsonl(const std::filesystem::path& path,
                                         const std::vector<std::pair<std::string, nlohmann::json>>& rows);
LEADSCOUT_BATCH_EXPORT void export_csv(const std::filesystem::path& path,
                                       const std::vector<std::pair<std::string, nlohmann::json>>& rows);
template <class Result>
std::vector<std::pair<std::string, nlohmann::json>> to_rows(const Summary<Result>& summary) {
  std::vector<std::pair<std::string, nlohmann::json>> rows;
  rows.reserve(summary.results.size());
  for (const auto& [id, result] : summary.results) rows.emplace_back(id, nlohmann::json(result));
  return rows;
}
}  // namespace detail

/// Writes one JSON object per ok result, {"id": …, "result": …}, atomically replacing `path`.
template <class Result>
void export_jsonl(const Summary<Result>& summary, const std::filesystem::path& path) {
  detail::export_jsonl(path, detail::to_rows(summary));
}

/// Writes a CSV (RFC 4180) with an `id` column and one column per top-level field of the
/// results (a single `result` column for non-object results), atomically replacing `path`.
template <class Result>
void export_csv(const Summary<Result>& summary, const std::filesystem::path& path) {
  detail::export_csv(path, detail::to_rows(summary));
}

}  // namespace leadscout::batch

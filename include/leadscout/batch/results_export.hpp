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
/// Rows of (id, the result as JSON text). Text rather than nlohmann::json, so that the
/// library's functions do not depend on the caller's nlohmann_json version or ABI options.
using ResultRows = std::vector<std::pair<std::string, std::string>>;
LEADSCOUT_BATCH_EXPORT void export_jsonl(const std::filesystem::path& path, const ResultRows& rows);
LEADSCOUT_BATCH_EXPORT void export_csv(const std::filesystem::path& path, const ResultRows& rows);
template <class Result>
ResultRows to_rows(const Summary<Result>& summary) {
  ResultRows rows;
  rows.reserve(summary.results.size());
  for (const auto& [id, result] : summary.results) {
    rows.emplace_back(id, nlohmann::json(result).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
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

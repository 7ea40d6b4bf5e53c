#include "render.hpp"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "duration_text.hpp"
#include "provider_batches.hpp"
#include "quota.hpp"
#include "strings.hpp"
#include "text.hpp"

namespace leadscout::status {

namespace fs = std::filesystem;
using text::fixed;
using text::shard_label;
using text::shards_text;
using text::status_name;

namespace {

nlohmann::json pid_json(PidState p) {
  switch (p) {
    case PidState::alive:
      return true;
    case PidState::dead:
      return false;
    case PidState::unknown:
      break;
  }
  return nullptr;
}

enum class Align { left, right };

std::string render_cells(const std::vector<std::vector<std::string>>& cells, const std::vector<Align>& aligns) {
  std::vector<std::size_t> widths(aligns.size(), 0);
  for (const auto& r : cells) {
    for (std::size_t c = 0; c < r.size(); ++c) widths[c] = std::max(widths[c], r[c].size());
  }
  std::string out;
  for (const auto& r : cells) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      if (c > 0) line += "  ";
      const std::string pad(widths[c] - r[c].size(), ' ');
      line += aligns[c] == Align::left ? r[c] + pad : pad + r[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string pid_text(PidState p, bool active) {
  switch (p) {
    case PidState::alive:
      return "alive";
    case PidState::dead:
      return active ? "GONE" : "exited";
    case PidState::unknown:
      break;
  }
  return "?";
}

std::vector<std::string> cells_of(std::string name, lb::Status status, std::uint64_t processed, const std::string& total,
                                  double percentage, double rate, std::optional<double> eta, double age,
                                  std::string pid) {
  const bool active = is_active(status);
  return {std::move(name),
          status_name(status),
          std::to_string(processed) + "/" + total,
          fixed(percentage, 1) + "%",
          fixed(rate, 1) + "/s",
          active && eta ? common::format_short_duration(*eta) : "-",
          common::format_short_duration(age) + " ago",
          std::move(pid)};
}

/// The quota columns: all of the quotas together, `-` without any.
void append_quota_cells(std::vector<std::string>& cells, const std::vector<QuotaRow>& quotas) {
  if (quotas.empty()) {
    cells.insert(cells.end(), quota_headings().size(), "-");
  } else {
    for (auto& c : quota_cells(total_of(quotas))) cells.push_back(std::move(c));
  }
}

/// The operation's line: its sums, and its quotas together when the table has quota columns.
std::vector<std::string> operation_cells(const OperationRow& row, bool with_quotas) {
  std::string name = row.operation;
  if (row.shard_count > 0) name += " [" + shards_text(row) + "]";
  std::string pid = pid_text(row.pid, is_active(row.status));
  if (row.shard_count == 0 && !row.shards.empty()) {
    pid = std::to_string(row.shards.front().source->snapshot.pid) + " " + pid;
  }
  // No ETA for a run whose process is gone: it will not finish by itself.
  std::optional<double> eta;  // assigned, not a ?: of optionals, which GCC 12 -O2 warns about
  if (row.pid != PidState::dead) eta = row.eta_seconds;
  auto cells = cells_of(std::move(name), row.status, row.processed,
                        common::total_text(row.total_known, row.total, row.expected_total), row.percentage,
                        row.rate_per_second, eta, row.heartbeat_age_seconds, std::move(pid));
  if (with_quotas) append_quota_cells(cells, row.quotas);
  return cells;
}

std::vector<std::string> shard_cells(const ShardRow& sr, bool with_quotas) {
  const auto& s = sr.source->snapshot;
  std::optional<double> eta;
  if (sr.pid != PidState::dead) eta = s.eta_seconds;
  auto cells = cells_of("  " + shard_label(*sr.source->name.shard), s.status, s.processed,
                        common::total_text(s.total_known, s.total, s.expected_total), s.percentage,
                        s.rate_per_second, eta, sr.heartbeat_age_seconds,
                        std::to_string(s.pid) + " " + pid_text(sr.pid, is_active(s.status)) +
                            (sr.pid == PidState::unknown && !s.host.empty() ? " (" + s.host + ")" : ""));
  if (with_quotas) append_quota_cells(cells, sr.quotas);
  return cells;
}

/// The operation's sums in the progress file's layout (the library's figures_to_json()).
nlohmann::json sums_json(const OperationRow& row) {
  lb::ProgressSnapshot sums;
  sums.operation = row.operation;
  sums.status = row.status;
  sums.processed = row.processed;
  sums.total = row.total;
  sums.total_known = row.total_known;
  sums.expected_total = row.expected_total;
  sums.percentage = row.percentage;
  sums.succeeded = row.succeeded;
  sums.failed = row.failed;
  sums.retried = row.retried;
  sums.skipped_resumed = row.skipped_resumed;
  sums.in_flight = row.in_flight;
  sums.rate_per_second = row.rate_per_second;
  sums.eta_seconds = row.eta_seconds;
  nlohmann::json j = nlohmann::json::object();
  lb::figures_to_json(j, sums);
  return j;
}

}  // namespace

std::string render_table(const std::vector<OperationRow>& rows, bool show_shards) {
  // Quota columns only when some operation has quotas: runs without quotas get no empty columns.
  const bool with_quotas =
      std::any_of(rows.begin(), rows.end(), [](const OperationRow& r) { return !r.quotas.empty(); });
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"OPERATION", "STATUS", "PROCESSED", "%", "RATE", "ETA", "HEARTBEAT", "PID"});
  std::vector<Align> aligns{Align::left,  Align::left,  Align::right, Align::right,
                            Align::right, Align::right, Align::right, Align::left};
  if (with_quotas) {
    for (auto& h : quota_headings()) cells.front().push_back(std::move(h));
    aligns.insert(aligns.end(), {Align::right, Align::right, Align::right, Align::right});
  }
  for (const auto& row : rows) {
    cells.push_back(operation_cells(row, with_quotas));
    if (row.quotas.size() > 1) {
      for (const auto& q : row.quotas) {
        std::vector<std::string> line{"  quota " + q.name, "", "", "", "", "", "", ""};
        for (auto& c : quota_cells(q)) line.push_back(std::move(c));
        cells.push_back(std::move(line));
      }
    }
    if (show_shards && row.shard_count > 0) {
      for (const auto& sr : row.shards) cells.push_back(shard_cells(sr, with_quotas));
    }
  }
  std::string out = render_cells(cells, aligns);
  for (const auto& row : rows) {
    for (const auto& reason : row.reasons) out += row.operation + " " + status_name(row.status) + ": " + reason + "\n";
  }
  // Quotas shared between shards: the operation's use beside the shards' sums above.
  for (const auto& row : rows) out += shared_quota_lines(row.operation, row.quotas);
  for (const auto& row : rows) out += llm_cache_line(row.operation, row.llm_cache);
  for (const auto& row : rows) out += provider_batch_lines(row);
  return out;
}

nlohmann::json render_json(const ScanResult& scan, const std::vector<OperationRow>& rows, const Environment& env,
                           const fs::path& dir) {
  nlohmann::json operations = nlohmann::json::array();
  for (const auto& row : rows) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& sr : row.shards) {
      nlohmann::json f = sr.source->snapshot;
      f["file"] = sr.source->file.string();
      f["heartbeat_age_seconds"] = sr.heartbeat_age_seconds;
      f["pid_alive"] = pid_json(sr.pid);
      files.push_back(std::move(f));
    }
    nlohmann::json op = sums_json(row);
    op["heartbeat_age_seconds"] = row.heartbeat_age_seconds;
    op["pid_alive"] = pid_json(row.pid);
    op["shard_count"] = row.shard_count > 0 ? nlohmann::json(row.shard_count) : nlohmann::json(nullptr);
    op["reasons"] = row.reasons;
    op["quotas"] = quotas_json(row.quotas);
    if (row.llm_cache.any()) op["llm_cache"] = llm_cache_json(row.llm_cache);
    op["files"] = std::move(files);
    operations.push_back(std::move(op));
  }
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& e : scan.errors) {
    errors.push_back({{"file", e.file.string()}, {"operation", e.operation}, {"error", e.message}});
  }
  return {{"now", format_iso8601(env.now)},
          {"dir", dir.string()},
          {"operations", std::move(operations)},
          {"errors", std::move(errors)}};
}

}  // namespace leadscout::status

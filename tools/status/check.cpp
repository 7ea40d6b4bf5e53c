// leadscout-status --check: one line and a monitoring-plugin state.
#include "check.hpp"

#include <algorithm>
#include <utility>

#include "duration_text.hpp"
#include "text.hpp"

namespace leadscout::status {

namespace fs = std::filesystem;
using text::file_label;
using text::fixed;
using text::one_line;
using text::shards_text;
using text::status_name;

std::string_view to_string(CheckState s) noexcept {
  switch (s) {
    case CheckState::ok:
      return "OK";
    case CheckState::warning:
      return "WARNING";
    case CheckState::critical:
      return "CRITICAL";
    case CheckState::unknown:
      break;
  }
  return "UNKNOWN";
}

CheckState worse(CheckState a, CheckState b) noexcept {
  const auto rank = [](CheckState s) {
    switch (s) {
      case CheckState::ok:
        return 0;
      case CheckState::unknown:
        return 1;
      case CheckState::warning:
        return 2;
      case CheckState::critical:
        return 3;
    }
    return 1;
  };
  return rank(a) >= rank(b) ? a : b;
}

namespace {

/// The problems of one progress file: its status, its process and its heartbeat.
template <class Report>
void shard_problems(const ShardRow& sr, const CheckOptions& options, const Report& problem) {
  const ShardFile& f = *sr.source;
  const auto& s = f.snapshot;
  const std::string label = file_label(f);
  if (s.status == lb::Status::failed) {
    problem(CheckState::critical, label + " failed" + (s.reason.empty() ? "" : ": " + s.reason));
  }
  if (s.status == lb::Status::completed && s.failed > 0) {
    // The run exited 5 (lb::exit_code): it ended, yet it lost items.
    problem(CheckState::warning,
            label + " completed with " + std::to_string(s.failed) + " of " + std::to_string(s.total) + " items failed");
  }
  if (is_active(s.status) && sr.pid == PidState::dead) {
    problem(CheckState::critical,
            label + " " + status_name(s.status) + " but pid " + std::to_string(s.pid) + " is gone on " + s.host);
  }
  if (is_active(s.status) && sr.heartbeat_age_seconds > options.stale_after_seconds) {
    problem(CheckState::warning, label + " heartbeat " + common::format_short_duration(sr.heartbeat_age_seconds) +
                                      " ago (stale after " + common::format_short_duration(options.stale_after_seconds) +
                                      ")");
  }
}

}  // namespace

CheckResult evaluate_check(const ScanResult& scan, const std::vector<OperationRow>& rows,
                           const CheckOptions& options, const Environment& /*env*/, const fs::path& dir,
                           std::string_view operation) {
  std::vector<std::pair<CheckState, std::string>> problems;
  const auto problem = [&](CheckState s, std::string text) { problems.emplace_back(s, one_line(std::move(text))); };

  if (scan.files.empty() && scan.errors.empty()) {
    problem(CheckState::unknown, operation.empty()
                                      ? "no progress file in " + dir.string()
                                      : "no progress file for operation " + std::string(operation) + " in " +
                                            dir.string());
  }
  for (const auto& e : scan.errors) {
    problem(CheckState::unknown, "unreadable progress file " + e.file.string() + ": " + e.message);
  }
  for (const auto& row : rows) {
    for (const auto& sr : row.shards) shard_problems(sr, options, problem);
    const bool stopped_on_budget = std::any_of(row.shards.begin(), row.shards.end(), [](const ShardRow& sr) {
      return sr.source->snapshot.status == lb::Status::budget_exhausted;
    });
    for (auto& qp : quota_problems(row.operation, stopped_on_budget, row.quotas)) {
      problem(qp.critical ? CheckState::critical : CheckState::warning, std::move(qp.message));
    }
    if (row.processed > 0) {
      const double rate = static_cast<double>(row.failed) / static_cast<double>(row.processed);
      if (rate > options.max_failure_rate) {
        problem(CheckState::warning, row.operation + " failure rate " + fixed(rate * 100.0, 1) + "% (" +
                                          std::to_string(row.failed) + "/" + std::to_string(row.processed) +
                                          " failed) above " + fixed(options.max_failure_rate * 100.0, 1) + "%");
      }
    }
  }

  CheckResult result;
  std::string text;
  if (problems.empty()) {
    for (const auto& row : rows) {
      if (!text.empty()) text += "; ";
      text += row.operation + " " + status_name(row.status) + " " + std::to_string(row.processed) + "/" +
              std::to_string(row.total) + " (" + fixed(row.percentage, 1) + "%)";
      if (row.shard_count > 0) text += " [" + shards_text(row) + "]";
      text += (is_active(row.status) ? ", heartbeat " : ", ended ") + common::format_short_duration(row.heartbeat_age_seconds) +
              " ago";
    }
  } else {
    std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) {
      return worse(a.first, b.first) == a.first && a.first != b.first;
    });
    for (const auto& [state, message] : problems) {
      result.state = worse(result.state, state);
      if (!text.empty()) text += "; ";
      text += message;
    }
  }
  result.line = "LEADSCOUT " + std::string(to_string(result.state)) + " - " + text;
  return result;
}

}  // namespace leadscout::status

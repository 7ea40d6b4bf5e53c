// leadscout-status --check: one line and a monitoring-plugin state.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "aggregate.hpp"
#include "scan.hpp"

namespace leadscout::status {

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

}  // namespace leadscout::status

// The cases of bench_quota: what each configures, runs and reports.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <leadscout/batch.hpp>

#include "sim_provider.hpp"

namespace bench_quota {

/// How the client meets the provider's limits.
enum class Mode {
  configured,  ///< a Quota with the provider's RPM and TPM
  learned,     ///< a Quota with no limits: learned from headers, adaptive in-flight limit
  no_quota,    ///< no Quota; each 429 is the item's own retryable failure with its retry-after
};

/// One throughput case.
struct CaseSpec {
  std::string name;
  Mode mode = Mode::configured;
  ProviderConfig provider;
  std::size_t concurrency = 32;
  double target_share = 0;      ///< of the ceiling; 0: no target (for comparison)
  double max_429_share = 1.0;   ///< of the calls sent
};

/// What a throughput case measured.
struct CaseResult {
  CaseSpec spec;
  ProviderTotals provider;
  double seconds = 0;        ///< the run's length, up to its deadline
  double mean_tokens = 0;    ///< of the served calls
  double ceiling = 0;        ///< calls/s: min(RPM, TPM / mean tokens) / 60
  double calls_per_second = 0;         ///< served calls over the whole run
  double steady_calls_per_second = 0;  ///< served calls after the provider's warm-up
  std::uint64_t quota_rate_limited = 0;
  std::uint64_t quota_granted = 0;
  double learned_rpm = 0, learned_tpm = 0;
  int in_flight_limit = 0;   ///< at the end
  double cpu_seconds = 0;
};

/// What the budget case measured.
struct BudgetResult {
  std::string status;
  double seconds = 0;
  double budget_usd = 0;
  double provider_billed_usd = 0;
  double tracked_spent_usd = 0;    ///< RunStats::quotas[...].spent_usd
  double bound_usd = 0;            ///< budget + the underestimates of the permits in flight at the last grant
  double in_flight_underestimate_usd = 0;
  int in_flight_at_last_grant = 0;
  std::uint64_t served = 0;
  std::uint64_t refused = 0;
  double cpu_seconds = 0;
};

/// The throughput cases, in the order they run and print.
[[nodiscard]] std::vector<CaseSpec> rate_cases();
/// Runs a case for `seconds` (its deadline), with its files under `dir`.
[[nodiscard]] CaseResult run_rate_case(const CaseSpec& spec, double seconds, const std::filesystem::path& dir);
/// Runs concurrency 64 under a budget sized for about `seconds` at the provider's ceiling.
[[nodiscard]] BudgetResult run_budget_case(double seconds, const std::filesystem::path& dir);

void print_rate_table(std::ostream& out, const std::vector<CaseResult>& results, double seconds);
void print_budget(std::ostream& out, const BudgetResult& b);

}  // namespace bench_quota

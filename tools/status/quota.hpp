// leadscout-status: provider quotas of an operation (spend, budget, rate limits), summed over
// its shard files, for the table, the JSON document and the health check.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "leadscout/batch/progress.hpp"

namespace leadscout::status {

/// A quota its shards share through a store (LEADSCOUT_QUOTA_REDIS): the operation-wide figures,
/// as the freshest shard saw them.
struct SharedQuotaRow {
  std::string backend;              ///< "redis"
  int shards = 0;                   ///< shard files that report the shared quota
  int connected = 0;                ///< of which were connected to the store
  double requests_last_minute = 0;  ///< every shard's permits in the last minute
  double tokens_last_minute = 0;
  double spent_usd = 0;  ///< every shard's spend
};

/// One quota of an operation: its shards' figures summed (cooldown: the longest). A shared
/// quota's budget is the operation's, not summed.
struct QuotaRow {
  std::string name;
  double spent_usd = 0.0;
  double reserved_usd = 0.0;
  double budget_usd = 0.0;  ///< 0: no budget
  std::int64_t tokens_total = 0;
  std::uint64_t rate_limited_total = 0;
  std::uint64_t granted_total = 0;
  double requests_last_minute = 0.0;
  double tokens_last_minute = 0.0;
  int in_flight = 0;
  int in_flight_limit = 0;
  int waiting = 0;
  double cooldown_seconds = 0.0;  ///< left at "now"; 0 once the run has ended
  bool budget_exhausted = false;  ///< in any shard
  std::uint64_t malformed_headers = 0;
  std::optional<SharedQuotaRow> shared;  ///< none: each shard had its own share

  /// spent / budget; nullopt without a budget.
  [[nodiscard]] std::optional<double> budget_fraction() const;
};

/// The quotas of one shard file, as a writer at work reported them.
struct QuotaSource {
  const batch::ProgressSnapshot* snapshot = nullptr;
  bool active = false;  ///< starting or running: only then does a cooldown count
};

/// Adds the figures of `q` to `into`: spend, reservations, budgets, tokens, counts and in-flight
/// summed, the longest cooldown, exhausted when either is. `name` and `shared` are left alone.
void add(QuotaRow& into, const QuotaRow& q);

/// Adds another shard's row of the same quota: add(), except that a shared quota's budget is
/// the operation's in every shard (the largest counts, not their sum) and its shared figures merge.
void add_shard(QuotaRow& into, const QuotaRow& shard);

/// Adds the rows of one shard to `sums` by name (add_shard()), keeping `sums` sorted by name.
void add_by_name(std::vector<QuotaRow>& sums, const std::vector<QuotaRow>& shard);

/// The quotas of an operation's files summed by name, sorted by name. A cooldown is what is left
/// of `cooldown_until` at `now` (the file may be seconds old).
[[nodiscard]] std::vector<QuotaRow> sum_quotas(const std::vector<QuotaSource>& sources,
                                               std::chrono::system_clock::time_point now);

/// All quotas of an operation as one, named "": add() over them; a budget only when every quota
/// has one.
[[nodiscard]] QuotaRow total_of(const std::vector<QuotaRow>& quotas);

/// The table's quota cells: spend (`$1.23/$5.00 (24.6%)`), 429s, in-flight (`3/16`), cooldown.
[[nodiscard]] std::vector<std::string> quota_cells(const QuotaRow& q);

/// Column headings of quota_cells().
[[nodiscard]] std::vector<std::string> quota_headings();

/// A problem the health check reports.
struct QuotaProblem {
  bool critical = false;  ///< exhausted; otherwise a warning
  std::string message;    ///< names the operation and the quota
};

/// Share of a budget at which the check warns.
inline constexpr double budget_warning_fraction = 0.8;

/// CRITICAL for an exhausted budget (a quota's flag, or the operation stopped with
/// budget_exhausted); WARNING for a quota at budget_warning_fraction of its budget or more.
[[nodiscard]] std::vector<QuotaProblem> quota_problems(std::string_view operation, bool stopped_on_budget,
                                                       const std::vector<QuotaRow>& quotas);

/// `{"<name>": {...}, ...}` for --json.
[[nodiscard]] nlohmann::json quotas_json(const std::vector<QuotaRow>& quotas);

/// "<operation> quota <name> shared through redis: 3/4 shards connected, ..." for each shared
/// quota, one line each.
[[nodiscard]] std::string shared_quota_lines(std::string_view operation, const std::vector<QuotaRow>& quotas);

/// `$0.0042` below one dollar, `$12.35` above.
[[nodiscard]] std::string usd(double value);

}  // namespace leadscout::status

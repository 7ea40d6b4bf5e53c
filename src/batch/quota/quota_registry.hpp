// The quotas of a run, by name, with environment overrides and a shard's share applied.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/quota.hpp"
#include "quota_state.hpp"

namespace leadscout::batch::detail {

/// "LEADSCOUT_QUOTA_" and the name in upper case, other than letters and digits as '_'.
[[nodiscard]] std::string quota_env_name(std::string_view quota_name);

/// Applies an override "rpm=500,tpm=200000,in_flight=auto,budget_usd=5,burst_seconds=2" (any
/// subset, any order, spaces around parts allowed) to `quota`. Throws Error naming `variable`
/// and the bad part.
[[nodiscard]] Quota apply_quota_override(Quota quota, std::string_view text, std::string_view variable);

/// Throws Error when a value is negative, not finite, or the name is empty.
void validate_quota(const Quota& quota);

/// Every quota of a run. Thread-safe after construction.
class QuotaRegistry {
 public:
  /// Validates `quotas` (unique names), applies LEADSCOUT_QUOTA_<NAME> from the environment,
  /// then the shard's share. With a `store`, each quota is shared there under `operation` and
  /// keeps its whole limits; the share applies only while the store is lost. Throws Error on a
  /// bad quota or variable.
  QuotaRegistry(const std::vector<Quota>& quotas, int concurrency, std::uint32_t shard_count,
                std::shared_ptr<Clock> clock, const std::shared_ptr<SharedQuotaStore>& store = nullptr,
                std::string_view operation = {});

  /// The quota named `name`; throws Error naming it when there is none.
  [[nodiscard]] const std::shared_ptr<QuotaState>& find(std::string_view name) const;
  /// find(name)->acquire(estimate, stop, ledger).
  [[nodiscard]] Permit acquire(std::string_view name, Usage estimate, std::stop_token stop = {},
                               std::shared_ptr<UsageLedger> ledger = nullptr) const;
  [[nodiscard]] const std::vector<std::shared_ptr<QuotaState>>& all() const noexcept { return states_; }
  /// True when any quota's budget stopped a permit.
  [[nodiscard]] bool budget_exhausted() const noexcept;
  /// Every quota's figures, by name.
  [[nodiscard]] std::map<std::string, QuotaReport, std::less<>> reports() const;

 private:
  std::vector<std::shared_ptr<QuotaState>> states_;
};

}  // namespace leadscout::batch::detail

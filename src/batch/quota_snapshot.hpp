// What a quota is doing, for the progress file, metrics and status tools.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace leadscout::batch::detail {

/// A consistent copy of one quota's figures. Limits of 0 are "none".
struct QuotaSnapshot {
  std::string name;
  double configured_rpm = 0;
  double configured_tpm = 0;
  int configured_in_flight = 0;  ///< 0: adaptive
  double learned_rpm = 0;        ///< from the provider's headers
  double learned_tpm = 0;
  double requests_last_minute = 0;
  double tokens_last_minute = 0;
  int in_flight = 0;
  int in_flight_limit = 0;
  double cooldown_seconds = 0;  ///< until permits resume after a rate limit (0: none)
  std::chrono::system_clock::time_point cooldown_until{};  ///< wall time it ends; epoch: none
  double hold_seconds = 0;      ///< until permits resume after the headers said "empty" (0: none)
  std::uint64_t rate_limited_total = 0;
  std::uint64_t granted_total = 0;
  int waiting = 0;  ///< workers waiting in acquire()
  double spent_usd = 0;
  double reserved_usd = 0;  ///< estimates of permits in flight
  double budget_usd = 0;
  bool budget_exhausted = false;
  std::uint64_t malformed_headers = 0;
};

/// Sets the snapshot's fields as members of `out` (an object), for the progress file's
/// `quotas` object: `out[snapshot.name]` is the usual target.
void append_quota_json(nlohmann::json& out, const QuotaSnapshot& snapshot);

}  // namespace leadscout::batch::detail

// A quota's figures as JSON.
#include "quota_snapshot.hpp"

namespace leadscout::batch::detail {

namespace {

// A limit of 0 is written as null: "none" must not read as "nothing allowed".
nlohmann::json limit(double v) { return v > 0 ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

void append_quota_json(nlohmann::json& out, const QuotaSnapshot& s) {
  out["configured"] = {{"requests_per_minute", limit(s.configured_rpm)},
                       {"tokens_per_minute", limit(s.configured_tpm)},
                       {"max_in_flight", s.configured_in_flight > 0 ? nlohmann::json(s.configured_in_flight)
                                                                    : nlohmann::json("auto")}};
  out["learned"] = {{"requests_per_minute", limit(s.learned_rpm)}, {"tokens_per_minute", limit(s.learned_tpm)}};
  out["requests_last_minute"] = s.requests_last_minute;
  out["tokens_last_minute"] = s.tokens_last_minute;
  out["in_flight"] = s.in_flight;
  out["in_flight_limit"] = s.in_flight_limit;
  out["cooldown_seconds"] = s.cooldown_seconds;
  // Unix seconds: a reader of the progress file compares it with its own clock.
  out["cooldown_until"] = s.cooldown_until == std::chrono::system_clock::time_point{}
                              ? nlohmann::json(nullptr)
                              : nlohmann::json(std::chrono::duration<double>(s.cooldown_until.time_since_epoch()).count());
  out["hold_seconds"] = s.hold_seconds;
  out["rate_limited_total"] = s.rate_limited_total;
  out["granted_total"] = s.granted_total;
  out["waiting"] = s.waiting;
  out["spent_usd"] = s.spent_usd;
  out["reserved_usd"] = s.reserved_usd;
  out["budget_usd"] = limit(s.budget_usd);
  out["budget_exhausted"] = s.budget_exhausted;
  out["malformed_headers"] = s.malformed_headers;
}

}  // namespace leadscout::batch::detail

// Quotas by name, environment overrides and shard shares.
#include "quota_registry.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>
#include <utility>

#include "leadscout/batch/options.hpp"
#include "strings.hpp"

namespace leadscout::batch::detail {

namespace {

[[noreturn]] void bad_part(std::string_view variable, std::string_view part, std::string_view expected) {
  throw leadscout::Error("invalid " + std::string(variable) + ": \"" + std::string(part) + "\": " + std::string(expected));
}

/// A finite number >= 0, read the same whatever the C locale.
bool parse_number(std::string_view text, double& out) {
  if (text.empty() || text.front() == '-') return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end && std::isfinite(out) && out >= 0.0;
}

void apply_part(Quota& q, std::string_view key, std::string_view value, std::string_view part,
                std::string_view variable) {
  double v = 0.0;
  if (key == "in_flight") {
    if (value == "auto") {
      q.max_in_flight = 0;
    } else if (parse_number(value, v) && v == std::floor(v) && v <= 1e6) {
      q.max_in_flight = static_cast<int>(v);
    } else {
      bad_part(variable, part, "expected a whole number of calls or \"auto\"");
    }
    return;
  }
  double* target = key == "rpm"             ? &q.requests_per_minute
                   : key == "tpm"           ? &q.tokens_per_minute
                   : key == "budget_usd"    ? &q.budget_usd
                   : key == "burst_seconds" ? &q.burst_seconds
                                            : nullptr;
  if (target == nullptr) bad_part(variable, part, "expected rpm=, tpm=, in_flight=, budget_usd= or burst_seconds=");
  if (!parse_number(value, v) || (key == "burst_seconds" && v <= 0.0)) {
    bad_part(variable, part, key == "burst_seconds" ? "expected a positive number" : "expected a number >= 0");
  }
  *target = v;
}

void require(bool ok, const Quota& q, std::string_view what) {
  if (!ok) throw leadscout::Error("quota \"" + q.name + "\": " + std::string(what));
}

}  // namespace

std::string quota_env_name(std::string_view quota_name) {
  std::string out = "LEADSCOUT_QUOTA_";
  for (const char c : quota_name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += !alnum ? '_' : (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

Quota apply_quota_override(Quota quota, std::string_view text, std::string_view variable) {
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view part = common::trim_blanks(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) bad_part(variable, part, "expected key=value");
    apply_part(quota, common::trim_blanks(part.substr(0, eq)), common::trim_blanks(part.substr(eq + 1)), part, variable);
  }
  return quota;
}

void validate_quota(const Quota& q) {
  if (q.name.empty()) throw leadscout::Error("a quota needs a name");
  const auto ok = [](double v) { return std::isfinite(v) && v >= 0.0; };
  require(ok(q.requests_per_minute), q, "requests_per_minute must be a number >= 0");
  require(ok(q.tokens_per_minute), q, "tokens_per_minute must be a number >= 0");
  require(q.max_in_flight >= 0, q, "max_in_flight must be >= 0 (0: adaptive)");
  require(ok(q.budget_usd), q, "budget_usd must be a number >= 0 (0: none)");
  require(ok(q.burst_seconds) && q.burst_seconds > 0.0, q, "burst_seconds must be > 0");
}

Quota shard_share(Quota quota, std::uint32_t shard_count) noexcept {
  if (shard_count <= 1) return quota;
  const double n = static_cast<double>(shard_count);
  quota.requests_per_minute /= n;
  quota.tokens_per_minute /= n;
  quota.budget_usd /= n;
  return quota;
}

QuotaRegistry::QuotaRegistry(const std::vector<Quota>& quotas, int concurrency, std::uint32_t shard_count,
                             std::shared_ptr<Clock> clock, const std::shared_ptr<SharedQuotaStore>& store,
                             std::string_view operation) {
  std::set<std::string> variables;
  for (Quota q : quotas) {
    validate_quota(q);
    const std::string variable = quota_env_name(q.name);
    // Two names that differ only in case or punctuation would share one variable.
    if (!variables.insert(variable).second) {
      throw leadscout::Error("quota \"" + q.name + "\": another quota has the same name or variable " + variable);
    }
    if (const char* text = std::getenv(variable.c_str()); text != nullptr) {
      q = apply_quota_override(std::move(q), text, variable);
    }
    if (store) {
      auto shared = store->quota(operation, q.name);
      states_.push_back(std::make_shared<QuotaState>(std::move(q), concurrency, clock, std::move(shared), shard_count));
    } else {
      states_.push_back(std::make_shared<QuotaState>(shard_share(std::move(q), shard_count), concurrency, clock));
    }
  }
}

const std::shared_ptr<QuotaState>& QuotaRegistry::find(std::string_view name) const {
  for (const auto& s : states_) {
    if (s->quota().name == name) return s;
  }
  throw leadscout::Error("no quota named \"" + std::string(name) + "\" in Options::quotas");
}

Permit QuotaRegistry::acquire(std::string_view name, Usage estimate, std::stop_token stop,
                              std::shared_ptr<UsageLedger> ledger) const {
  return find(name)->acquire(estimate, std::move(stop), std::move(ledger));
}

bool QuotaRegistry::budget_exhausted() const noexcept {
  for (const auto& s : states_) {
    if (s->budget_exhausted()) return true;
  }
  return false;
}

std::map<std::string, QuotaReport, std::less<>> QuotaRegistry::reports() const {
  std::map<std::string, QuotaReport, std::less<>> out;
  for (const auto& s : states_) out.emplace(s->quota().name, s->snapshot());
  return out;
}

}  // namespace leadscout::batch::detail

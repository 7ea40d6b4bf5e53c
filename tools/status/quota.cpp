// leadscout-status: quotas summed over shards, their cells, JSON and check problems.
#include "quota.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

namespace leadscout::status {

namespace {

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", fraction * 100.0);
  return buf;
}

std::string seconds_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0fs", std::ceil(seconds));
  return buf;
}

/// One shard file's quota as a row. Its cooldown is what is left of `cooldown_until` at
/// `now_unix` (the file may be seconds old), and only while the writer is at work.
QuotaRow row_of(const std::string& name, const batch::QuotaReport& q, bool active, double now_unix) {
  QuotaRow row;
  row.name = name;
  row.spent_usd = q.spent_usd;
  row.reserved_usd = q.reserved_usd;
  row.budget_usd = q.budget_usd;
  row.tokens_total = q.tokens_total;
  row.rate_limited_total = q.rate_limited_total;
  row.granted_total = q.granted_total;
  row.requests_last_minute = q.requests_last_minute;
  row.tokens_last_minute = q.tokens_last_minute;
  row.in_flight = q.in_flight;
  row.in_flight_limit = q.in_flight_limit;
  row.waiting = q.waiting;
  row.budget_exhausted = q.budget_exhausted;
  row.malformed_headers = q.malformed_headers;
  if (active) {
    // cooldown_seconds was measured when the file was written; cooldown_until holds at any time.
    const double left = q.cooldown_until ? *q.cooldown_until - now_unix : q.cooldown_seconds;
    row.cooldown_seconds = std::max(0.0, left);
  }
  if (q.shared) {
    const auto& s = *q.shared;
    row.shared = SharedQuotaRow{s.backend, 1, s.connected ? 1 : 0, s.requests_last_minute, s.tokens_last_minute,
                                s.spent_usd};
  }
  return row;
}

void add_shared(SharedQuotaRow& into, const SharedQuotaRow& s) {
  into.backend = s.backend;
  into.shards += s.shards;
  into.connected += s.connected;
  // Each shard saw the operation's figures at its last permit: the largest is the freshest.
  into.requests_last_minute = std::max(into.requests_last_minute, s.requests_last_minute);
  into.tokens_last_minute = std::max(into.tokens_last_minute, s.tokens_last_minute);
  into.spent_usd = std::max(into.spent_usd, s.spent_usd);
}

nlohmann::json shared_json(const std::optional<SharedQuotaRow>& s) {
  if (!s) return nullptr;
  return {{"backend", s->backend},
          {"shards", s->shards},
          {"connected", s->connected},
          {"requests_last_minute", s->requests_last_minute},
          {"tokens_last_minute", s->tokens_last_minute},
          {"spent_usd", s->spent_usd}};
}

}  // namespace

std::string shared_quota_lines(std::string_view operation, const std::vector<QuotaRow>& quotas) {
  std::string out;
  for (const auto& q : quotas) {
    if (!q.shared) continue;
    const auto& s = *q.shared;
    char figures[160];
    std::snprintf(figures, sizeof figures, "%.0f requests and %.0f tokens in the last minute, ",
                  s.requests_last_minute, s.tokens_last_minute);
    out += std::string(operation) + " quota " + q.name + " shared through " + s.backend + ": " +
           std::to_string(s.connected) + "/" + std::to_string(s.shards) + " shards connected, " + figures +
           usd(s.spent_usd) + " spent\n";
  }
  return out;
}

std::optional<double> QuotaRow::budget_fraction() const {
  if (!(budget_usd > 0.0)) return std::nullopt;
  return spent_usd / budget_usd;
}

void add(QuotaRow& into, const QuotaRow& q) {
  into.spent_usd += q.spent_usd;
  into.reserved_usd += q.reserved_usd;
  into.budget_usd += q.budget_usd;
  into.tokens_total += q.tokens_total;
  into.rate_limited_total += q.rate_limited_total;
  into.granted_total += q.granted_total;
  into.requests_last_minute += q.requests_last_minute;
  into.tokens_last_minute += q.tokens_last_minute;
  into.in_flight += q.in_flight;
  into.in_flight_limit += q.in_flight_limit;
  into.waiting += q.waiting;
  into.cooldown_seconds = std::max(into.cooldown_seconds, q.cooldown_seconds);
  into.budget_exhausted = into.budget_exhausted || q.budget_exhausted;
  into.malformed_headers += q.malformed_headers;
}

void add_shard(QuotaRow& into, const QuotaRow& shard) {
  const double budget = into.budget_usd;
  add(into, shard);
  if (!shard.shared) return;
  into.budget_usd = std::max(budget, shard.budget_usd);  // the operation's, in every shard
  if (!into.shared) into.shared.emplace();
  add_shared(*into.shared, *shard.shared);
}

void add_by_name(std::vector<QuotaRow>& sums, const std::vector<QuotaRow>& shard) {
  for (const auto& q : shard) {
    auto it = std::lower_bound(sums.begin(), sums.end(), q.name,
                               [](const QuotaRow& row, const std::string& name) { return row.name < name; });
    if (it == sums.end() || it->name != q.name) {
      it = sums.insert(it, QuotaRow{});
      it->name = q.name;
    }
    add_shard(*it, q);
  }
}

std::vector<QuotaRow> sum_quotas(const std::vector<QuotaSource>& sources, std::chrono::system_clock::time_point now) {
  const double now_unix = std::chrono::duration<double>(now.time_since_epoch()).count();
  std::vector<QuotaRow> sums;
  for (const auto& src : sources) {
    std::vector<QuotaRow> rows;
    for (const auto& [name, q] : src.snapshot->quotas) rows.push_back(row_of(name, q, src.active, now_unix));
    add_by_name(sums, rows);
  }
  return sums;
}

QuotaRow total_of(const std::vector<QuotaRow>& quotas) {
  QuotaRow t;
  bool every_budgeted = !quotas.empty();
  for (const auto& q : quotas) {
    add(t, q);
    every_budgeted = every_budgeted && q.budget_usd > 0.0;
  }
  // A sum of some quotas' budgets would read as the budget of all of them.
  if (!every_budgeted) t.budget_usd = 0.0;
  return t;
}

std::string usd(double value) {
  char buf[48];
  std::snprintf(buf, sizeof buf, value != 0.0 && std::fabs(value) < 1.0 ? "$%.4f" : "$%.2f", value);
  return buf;
}

std::vector<std::string> quota_headings() { return {"SPEND", "429", "IN-FLIGHT", "COOLDOWN"}; }

std::vector<std::string> quota_cells(const QuotaRow& q) {
  std::string spend = usd(q.spent_usd);
  // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict) about "/" + std::string.
  if (const auto f = q.budget_fraction()) {
    spend.append("/").append(usd(q.budget_usd)).append(" (").append(percent(*f)).append(")");
  }
  std::string in_flight = std::to_string(q.in_flight);
  if (q.in_flight_limit > 0) in_flight.append("/").append(std::to_string(q.in_flight_limit));
  return {std::move(spend), std::to_string(q.rate_limited_total), std::move(in_flight),
          q.cooldown_seconds > 0.0 ? seconds_text(q.cooldown_seconds) : "-"};
}

std::vector<QuotaProblem> quota_problems(std::string_view operation, bool stopped_on_budget,
                                         const std::vector<QuotaRow>& quotas) {
  std::vector<QuotaProblem> out;
  const std::string op(operation);
  const auto spent_of = [](const QuotaRow& q) {
    std::string s = usd(q.spent_usd);
    if (const auto f = q.budget_fraction()) s += " of " + usd(q.budget_usd) + " (" + percent(*f) + ")";
    return s;
  };
  bool named = false;
  for (const auto& q : quotas) {
    if (q.budget_exhausted) {
      out.push_back({true, op + " quota " + q.name + " budget exhausted: spent " + spent_of(q)});
      named = true;
    } else if (const auto f = q.budget_fraction(); f && *f >= budget_warning_fraction) {
      out.push_back({false, op + " quota " + q.name + " spent " + spent_of(q) + ", warning at " +
                                percent(budget_warning_fraction)});
    }
  }
  if (stopped_on_budget && !named) {
    // The stop names no quota: name those with a budget, so the message says where to look.
    std::string which;
    for (const auto& q : quotas) {
      if (q.budget_usd > 0.0) which += (which.empty() ? " (quota " : ", quota ") + q.name + " spent " + spent_of(q);
    }
    out.push_back({true, op + " stopped: budget exhausted" + (which.empty() ? "" : which + ")")});
  }
  return out;
}

nlohmann::json quotas_json(const std::vector<QuotaRow>& quotas) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& q : quotas) {
    const auto fraction = q.budget_fraction();
    out[q.name] = {{"spent_usd", q.spent_usd},
                   {"reserved_usd", q.reserved_usd},
                   {"budget_usd", q.budget_usd > 0.0 ? nlohmann::json(q.budget_usd) : nlohmann::json(nullptr)},
                   {"budget_fraction", fraction ? nlohmann::json(*fraction) : nlohmann::json(nullptr)},
                   {"budget_exhausted", q.budget_exhausted},
                   {"tokens_total", q.tokens_total},
                   {"rate_limited_total", q.rate_limited_total},
                   {"granted_total", q.granted_total},
                   {"requests_last_minute", q.requests_last_minute},
                   {"tokens_last_minute", q.tokens_last_minute},
                   {"in_flight", q.in_flight},
                   {"in_flight_limit", q.in_flight_limit},
                   {"waiting", q.waiting},
                   {"cooldown_seconds", q.cooldown_seconds},
                   {"malformed_headers", q.malformed_headers},
                   {"shared", shared_json(q.shared)}};
  }
  return out;
}

}  // namespace leadscout::status

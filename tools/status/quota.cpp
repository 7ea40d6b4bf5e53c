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

void add_shared(QuotaRow& row, const batch::SharedQuotaReport& s) {
  if (!row.shared) row.shared.emplace();
  auto& r = *row.shared;
  r.backend = s.backend;
  ++r.shards;
  if (s.connected) ++r.connected;
  // Each shard saw the operation's figures at its last permit: the largest is the freshest.
  r.requests_last_minute = std::max(r.requests_last_minute, s.requests_last_minute);
  r.tokens_last_minute = std::max(r.tokens_last_minute, s.tokens_last_minute);
  r.spent_usd = std::max(r.spent_usd, s.spent_usd);
}

void add(QuotaRow& row, const batch::QuotaReport& q, bool active, double now_unix) {
  row.spent_usd += q.spent_usd;
  row.reserved_usd += q.reserved_usd;
  if (q.shared) {
    row.budget_usd = std::max(row.budget_usd, q.budget_usd);  // the operation's, in every shard
    add_shared(row, *q.shared);
  } else {
    row.budget_usd += q.budget_usd;
  }
  row.tokens_total += q.tokens_total;
  row.rate_limited_total += q.rate_limited_total;
  row.granted_total += q.granted_total;
  row.requests_last_minute += q.requests_last_minute;
  row.tokens_last_minute += q.tokens_last_minute;
  row.in_flight += q.in_flight;
  row.in_flight_limit += q.in_flight_limit;
  row.waiting += q.waiting;
  row.budget_exhausted = row.budget_exhausted || q.budget_exhausted;
  row.malformed_headers += q.malformed_headers;
  if (active) {
    // cooldown_seconds was measured when the file was written; cooldown_until holds at any time.
    const double left = q.cooldown_until ? *q.cooldown_until - now_unix : q.cooldown_seconds;
    row.cooldown_seconds = std::max(row.cooldown_seconds, left);
  }
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

std::vector<QuotaRow> sum_quotas(const std::vector<QuotaSource>& sources, std::chrono::system_clock::time_point now) {
  const double now_unix = std::chrono::duration<double>(now.time_since_epoch()).count();
  std::map<std::string, QuotaRow, std::less<>> by_name;
  for (const auto& src : sources) {
    for (const auto& [name, q] : src.snapshot->quotas) {
      auto& row = by_name[name];
      row.name = name;
      add(row, q, src.active, now_unix);
    }
  }
  std::vector<QuotaRow> rows;
  for (auto& [name, row] : by_name) rows.push_back(std::move(row));
  return rows;
}

QuotaRow total_of(const std::vector<QuotaRow>& quotas) {
  QuotaRow t;
  bool every_budgeted = !quotas.empty();
  for (const auto& q : quotas) {
    t.spent_usd += q.spent_usd;
    t.reserved_usd += q.reserved_usd;
    t.budget_usd += q.budget_usd;
    every_budgeted = every_budgeted && q.budget_usd > 0.0;
    t.tokens_total += q.tokens_total;
    t.rate_limited_total += q.rate_limited_total;
    t.granted_total += q.granted_total;
    t.requests_last_minute += q.requests_last_minute;
    t.tokens_last_minute += q.tokens_last_minute;
    t.in_flight += q.in_flight;
    t.in_flight_limit += q.in_flight_limit;
    t.waiting += q.waiting;
    t.cooldown_seconds = std::max(t.cooldown_seconds, q.cooldown_seconds);
    t.budget_exhausted = t.budget_exhausted || q.budget_exhausted;
    t.malformed_headers += q.malformed_headers;
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
  if (const auto f = q.budget_fraction()) spend += "/" + usd(q.budget_usd) + " (" + percent(*f) + ")";
  std::string in_flight = std::to_string(q.in_flight);
  if (q.in_flight_limit > 0) in_flight += "/" + std::to_string(q.in_flight_limit);
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

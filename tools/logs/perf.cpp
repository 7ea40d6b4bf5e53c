// `leadscout-logs perf`: quantiles of a numeric field per group, and token and cost totals.
#include "perf.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "exit_codes.hpp"
#include "report_text.hpp"

namespace leadscout::logs_tool {

namespace {

std::string percentile_method() {
  return "nearest rank; exact up to " + std::to_string(QuantileSketch::exact_limit) +
         " values per group, then log buckets with relative error <= " +
         format_number(QuantileSketch::relative_error * 100) + "%";
}

nlohmann::ordered_json usage_json(const UsageTotals& u) {
  return {{"calls", u.calls},
          {"tokens", u.tokens},
          {"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"cost_usd", u.cost_usd}};
}

nlohmann::ordered_json perf_json(const PerfStats& stats, const std::string& field_label, const std::string& by) {
  nlohmann::ordered_json j;
  j["field"] = field_label;
  j["by"] = by;
  j["percentile_method"] = percentile_method();
  nlohmann::ordered_json groups = nlohmann::ordered_json::array();
  for (const auto& [name, g] : stats.groups) {
    nlohmann::ordered_json row{{"group", name}, {"count", g.values.count()}};
    if (g.values.count() > 0) {
      row["p50"] = g.values.quantile(0.50);
      row["p90"] = g.values.quantile(0.90);
      row["p99"] = g.values.quantile(0.99);
      row["max"] = g.values.max();
      row["min"] = g.values.min();
      row["mean"] = g.values.mean();
      row["exact"] = g.values.exact();
    }
    if (g.usage.calls > 0) row["usage"] = usage_json(g.usage);
    groups.push_back(row);
  }
  j["groups"] = groups;
  j["usage"] = usage_json(stats.total_usage);
  return j;
}

/// The percentiles table, one line per group with values.
void append_percentiles(std::string& s, const PerfStats& stats, const std::string& field_label, std::size_t width) {
  pad_right(s, "group", width);
  for (const char* h : {"count", "p50", "p90", "p99", "max", "mean"}) pad_left(s, h, 12);
  s += '\n';
  bool approximate = false;
  for (const auto& [name, g] : stats.groups) {
    if (g.values.count() == 0) continue;
    pad_right(s, name, width);
    pad_left(s, std::to_string(g.values.count()), 12);
    for (double q : {0.50, 0.90, 0.99}) pad_left(s, format_number(g.values.quantile(q)), 12);
    pad_left(s, format_number(g.values.max()), 12);
    pad_left(s, format_number(g.values.mean()), 12);
    if (!g.values.exact()) {
      s += " ~";
      approximate = true;
    }
    s += '\n';
  }
  if (stats.measured == 0) s += "(no events with " + field_label + ")\n";
  if (approximate) s += "~ percentiles from log buckets, relative error <= 0.5%\n";
}

/// The LLM usage table: the groups with usage, then the total.
void append_usage(std::string& s, const PerfStats& stats, const std::string& by, std::size_t width) {
  s += "\nLLM usage by " + by + "\n";
  pad_right(s, "group", width);
  for (const char* h : {"calls", "tokens", "prompt", "completion", "cost_usd"}) pad_left(s, h, 12);
  s += '\n';
  auto row = [&](const std::string& name, const UsageTotals& u) {
    pad_right(s, name, width);
    pad_left(s, std::to_string(u.calls), 12);
    pad_left(s, format_number(u.tokens), 12);
    pad_left(s, format_number(u.prompt_tokens), 12);
    pad_left(s, format_number(u.completion_tokens), 12);
    char cost[64];
    std::snprintf(cost, sizeof cost, "%.4f", u.cost_usd);
    pad_left(s, cost, 12);
    s += '\n';
  };
  for (const auto& [name, g] : stats.groups) {
    if (g.usage.calls > 0) row(name, g.usage);
  }
  row("total", stats.total_usage);
}

}  // namespace

int run_perf(const PerfOptions& opt, std::ostream& out, std::ostream& err) {
  PerfStats stats;
  stats.field = opt.field;
  stats.by = opt.by;
  (void)for_each_event(opt.in, err, [&](const InputFile&, const Event& e) { stats.add(e); });
  const std::string field_label = opt.field.empty() ? "latency_ms|elapsed_ms" : opt.field;

  if (opt.json) {
    const auto j = perf_json(stats, field_label, opt.by);
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    out.flush();
    return exit_ok;
  }
  std::string s = field_label + " by " + opt.by + "\n";
  std::size_t width = 8;
  for (const auto& [name, g] : stats.groups) width = std::max(width, name.size());
  append_percentiles(s, stats, field_label, width);
  if (stats.total_usage.calls > 0) append_usage(s, stats, opt.by, width);
  out << s;
  out.flush();
  return exit_ok;
}

}  // namespace leadscout::logs_tool

// `leadscout-logs summary`: time range, counts by level and logger, top errors and warnings.
#include "summary.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "duration_text.hpp"
#include "exit_codes.hpp"
#include "report_text.hpp"

namespace leadscout::logs_tool {

namespace {

// Splits a summary key "level\0logger\0event".
std::array<std::string, 3> split_key(const std::string& key) {
  std::array<std::string, 3> parts{"", "", key};
  const auto a = key.find('\0');
  if (a == std::string::npos) return parts;
  const auto b = key.find('\0', a + 1);
  if (b == std::string::npos) return parts;
  return {key.substr(0, a), key.substr(a + 1, b - a - 1), key.substr(b + 1)};
}

nlohmann::ordered_json summary_json(const ReadTotals& t, const SummaryStats& stats, std::size_t top) {
  nlohmann::ordered_json j;
  j["files"] = t.files;
  j["skipped_files"] = t.skipped;
  j["bytes"] = t.bytes;
  j["lines"] = t.lines;
  j["events"] = stats.events;
  j["corrupt_lines"] = t.corrupt;
  j["duplicates_skipped"] = t.duplicates;
  if (stats.events > 0) {
    j["time_range"] = {{"first", format_timestamp_us(stats.first_us)},
                       {"last", format_timestamp_us(stats.last_us)},
                       {"seconds", static_cast<double>(stats.last_us - stats.first_us) / 1e6}};
  } else {
    j["time_range"] = nullptr;
  }
  nlohmann::ordered_json levels = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < level_count; ++i) {
    levels[std::string(level_name(static_cast<Level>(i)))] = stats.by_level[i];
  }
  j["levels"] = levels;
  nlohmann::ordered_json loggers = nlohmann::ordered_json::array();
  for (const auto& [name, n] : stats.by_logger.top(stats.by_logger.size())) {
    loggers.push_back({{"logger", name}, {"count", n}});
  }
  j["loggers"] = loggers;
  for (const auto& [key, counter] :
       {std::pair{"top_errors", &stats.errors}, std::pair{"top_warnings", &stats.warnings}}) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& [k, n] : counter->top(top)) {
      const auto parts = split_key(k);
      rows.push_back({{"level", parts[0]}, {"logger", parts[1]}, {"event", parts[2]}, {"count", n}});
    }
    j[key] = rows;
  }
  return j;
}

/// Files, lines, events and the time range.
void append_totals(std::string& s, const ReadTotals& t, const SummaryStats& stats) {
  s += "Files       " + std::to_string(t.files) + " read";
  if (!t.skipped.empty()) s += ", " + std::to_string(t.skipped.size()) + " skipped (not JSON lines)";
  s += "\nLines       " + std::to_string(t.lines) + " (" + std::to_string(t.corrupt) + " corrupt, " +
       std::to_string(t.duplicates) + " duplicates skipped)\n";
  s += "Events      " + std::to_string(stats.events) + "\n";
  if (stats.events > 0) {
    s += "Time range  " + format_timestamp_us(stats.first_us) + " .. " +
         format_timestamp_us(stats.last_us) + " (" +
         common::format_long_duration(std::chrono::microseconds(stats.last_us - stats.first_us)) + ")\n";
  } else {
    s += "Time range  -\n";
  }
}

/// Counts by level and by logger.
void append_counts(std::string& s, const SummaryStats& stats) {
  s += "\nBy level\n";
  for (std::size_t i = 0; i < level_count; ++i) {
    s += "  ";
    pad_right(s, level_name(static_cast<Level>(i)), 10);
    pad_left(s, std::to_string(stats.by_level[i]), 12);
    s += '\n';
  }
  s += "\nBy logger\n";
  const auto loggers = stats.by_logger.top(stats.by_logger.size());
  std::size_t width = 10;
  for (const auto& [name, n] : loggers) width = std::max(width, name.size());
  for (const auto& [name, n] : loggers) {
    s += "  ";
    pad_right(s, name, width);
    pad_left(s, std::to_string(n), 12);
    s += '\n';
  }
}

/// The most frequent error and warning events.
void append_top_events(std::string& s, const SummaryStats& stats, std::size_t top) {
  for (const auto& [title, counter] : {std::pair{"Top errors", &stats.errors},
                                       std::pair{"Top warnings", &stats.warnings}}) {
    s += "\n";
    s += title;
    s += '\n';
    const auto rows = counter->top(top);
    if (rows.empty()) s += "  (none)\n";
    for (const auto& [k, n] : rows) {
      const auto parts = split_key(k);
      s += "  ";
      pad_left(s, std::to_string(n), 10);
      s += "  ";
      pad_right(s, parts[0], 8);
      s += "  ";
      pad_right(s, parts[1], 16);
      s += "  " + parts[2] + '\n';
    }
  }
}

}  // namespace

int run_summary(const SummaryOptions& opt, std::ostream& out, std::ostream& err) {
  SummaryStats stats;
  const ReadTotals t =
      for_each_event(opt.in, err, [&](const InputFile&, const Event& e) { stats.add(e); });

  if (opt.json) {
    const auto j = summary_json(t, stats, opt.top);
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    out.flush();
    return exit_ok;
  }
  std::string s;
  append_totals(s, t, stats);
  append_counts(s, stats);
  append_top_events(s, stats, opt.top);
  out << s;
  out.flush();
  return exit_ok;
}

}  // namespace leadscout::logs_tool

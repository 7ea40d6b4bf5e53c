#include "commands.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

namespace leadscout::logs_tool {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view program = "leadscout-logs";

bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string resolved(std::string_view raw, bool escaped) {
  return escaped ? unescape(raw) : std::string(raw);
}

bool is_standard_key(const Field& f) noexcept {
  return !f.key_escaped &&
         (f.key == "timestamp" || f.key == "level" || f.key == "logger" || f.key == "event");
}

bool needs_quotes(std::string_view s) noexcept {
  if (s.empty()) return true;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ' ' || c == '=' || c == '"' || u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

// A number for people: integers as integers, others with up to three decimals.
std::string format_number(double v) {
  char buf[64];
  if (std::isfinite(v) && std::fabs(v) < 1e15 && v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string s(buf);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

std::string format_duration(std::int64_t us) {
  std::int64_t s = us / 1000000;
  char buf[64];
  if (s >= 86400) {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh%02lldm", static_cast<long long>(s / 86400),
                  static_cast<long long>(s / 3600 % 24), static_cast<long long>(s / 60 % 60));
  } else if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(us) / 1e6);
  }
  return buf;
}

// Splits a summary key "level\0logger\0event".
std::array<std::string, 3> split_key(const std::string& key) {
  std::array<std::string, 3> parts{"", "", key};
  const auto a = key.find('\0');
  if (a == std::string::npos) return parts;
  const auto b = key.find('\0', a + 1);
  if (b == std::string::npos) return parts;
  return {key.substr(0, a), key.substr(a + 1, b - a - 1), key.substr(b + 1)};
}

void pad_right(std::string& out, std::string_view s, std::size_t width) {
  out.append(s);
  if (s.size() < width) out.append(width - s.size(), ' ');
}

void pad_left(std::string& out, std::string_view s, std::size_t width) {
  if (s.size() < width) out.append(width - s.size(), ' ');
  out.append(s);
}

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


}  // namespace

void CorruptReporter::report(std::string_view path, std::uint64_t line, std::string_view reason) {
  ++count_;
  if (count_ <= limit_) {
    err_ << program << ": " << path << ':' << line << ": corrupt line skipped (" << reason
         << ")\n";
  }
}

void CorruptReporter::finish() {
  if (count_ > limit_) {
    err_ << program << ": " << count_ << " corrupt lines skipped in total (the first " << limit_
         << " shown above)\n";
  }
  err_.flush();
}

const Event* EventPipeline::process(const InputFile& file, std::string_view line,
                                    std::uint64_t line_no, bool overlong) {
  if ((line.empty() || is_ws(line.front())) && is_blank(line)) return nullptr;
  ++lines;
  if (overlong) {
    corrupt_.report(file.path.string(), line_no, "line longer than 4 MiB");
    return nullptr;
  }
  const ScanError rc = scan_line(line, event_);
  if (rc != ScanError::none) {
    corrupt_.report(file.path.string(), line_no, describe(rc));
    return nullptr;
  }
  if (dedup_ == DedupMode::routes) {
    if (!counted_here(file, event_)) {
      ++duplicates;
      return nullptr;
    }
  } else if (dedup_ == DedupMode::lines) {
    if (!seen_.insert(std::hash<std::string_view>{}(line)).second) {
      ++duplicates;
      return nullptr;
    }
  }
  if (!filter_.matches(event_)) return nullptr;
  ++selected;
  return &event_;
}

ReadTotals for_each_event(const InputOptions& in, std::ostream& err,
                          const std::function<void(const InputFile&, const Event&)>& on_event) {
  ReadTotals totals;
  const auto files = collect_files(in.paths, totals.skipped);
  CorruptReporter corrupt(err, in.corrupt_shown);
  EventPipeline pipe(in.filter, in.dedup, corrupt);
  for (const auto& f : files) {
    if (!instance_selected(in.filter.instances, f)) continue;
    std::unique_ptr<LineReader> reader;
    try {
      reader = std::make_unique<LineReader>(f.path);
    } catch (const PathError&) {
      std::error_code ec;
      if (f.from_directory && !fs::exists(f.path, ec)) continue;  // rotated away meanwhile
      throw;
    }
    ++totals.files;
    std::string_view line;
    while (reader->next(line)) {
      if (const Event* e = pipe.process(f, line, reader->line_number(), reader->overlong())) {
        on_event(f, *e);
      }
    }
    if (!reader->stream_error().empty()) {
      corrupt.report(f.path.string(), reader->line_number() + 1,
                     "compressed data damaged: " + reader->stream_error());
    }
    totals.bytes += reader->bytes();
  }
  corrupt.finish();
  totals.lines = pipe.lines;
  totals.corrupt = corrupt.count();
  totals.duplicates = pipe.duplicates;
  totals.selected = pipe.selected;
  return totals;
}

void render_pretty(const Event& e, std::string& out) {
  const std::string_view ts = e.timestamp;
  out.append(ts.substr(0, 19));
  if (!ts.empty() && ts.back() == 'Z') {
    out.push_back('Z');
  } else if (ts.size() >= 25) {
    out.append(ts.substr(ts.size() - 6));
  }
  out.push_back(' ');
  out.append(level_upper(e.lvl));
  out.push_back(' ');
  out.append(resolved(e.name, e.name_escaped));
  for (const auto& f : e.fields) {
    if (is_standard_key(f)) continue;
    out.push_back(' ');
    out.append(resolved(f.key, f.key_escaped));
    out.push_back('=');
    if (f.kind != ValueKind::string) {
      out.append(f.value);
      continue;
    }
    const std::string v = value_string(f);
    if (needs_quotes(v)) {
      common::append_json_string(out, v);
    } else {
      out.append(v);
    }
  }
}

int run_summary(const SummaryOptions& opt, std::ostream& out, std::ostream& err) {
  SummaryStats stats;
  const ReadTotals t =
      for_each_event(opt.in, err, [&](const InputFile&, const Event& e) { stats.add(e); });

  if (opt.json) {
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
      for (const auto& [k, n] : counter->top(opt.top)) {
        const auto parts = split_key(k);
        rows.push_back({{"level", parts[0]}, {"logger", parts[1]}, {"event", parts[2]}, {"count", n}});
      }
      j[key] = rows;
    }
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    out.flush();
    return exit_ok;
  }

  std::string s;
  s += "Files       " + std::to_string(t.files) + " read";
  if (!t.skipped.empty()) s += ", " + std::to_string(t.skipped.size()) + " skipped (not JSON lines)";
  s += "\nLines       " + std::to_string(t.lines) + " (" + std::to_string(t.corrupt) + " corrupt, " +
       std::to_string(t.duplicates) + " duplicates skipped)\n";
  s += "Events      " + std::to_string(stats.events) + "\n";
  if (stats.events > 0) {
    s += "Time range  " + format_timestamp_us(stats.first_us) + " .. " +
         format_timestamp_us(stats.last_us) + " (" +
         format_duration(stats.last_us - stats.first_us) + ")\n";
  } else {
    s += "Time range  -\n";
  }
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
  for (const auto& [title, counter] : {std::pair{"Top errors", &stats.errors},
                                       std::pair{"Top warnings", &stats.warnings}}) {
    s += "\n";
    s += title;
    s += '\n';
    const auto rows = counter->top(opt.top);
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
  out << s;
  out.flush();
  return exit_ok;
}

int run_filter(const FilterOptions& opt, std::ostream& out, std::ostream& err) {
  std::string buf;
  buf.reserve(std::size_t{1} << 16);
  (void)for_each_event(opt.in, err, [&](const InputFile&, const Event& e) {
    if (opt.pretty) {
      render_pretty(e, buf);
    } else {
      buf.append(e.line);
      while (!buf.empty() && (buf.back() == '\r' || buf.back() == ' ')) buf.pop_back();
    }
    buf.push_back('\n');
    if (buf.size() >= (std::size_t{1} << 16)) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  });
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  out.flush();
  return exit_ok;
}

int run_perf(const PerfOptions& opt, std::ostream& out, std::ostream& err) {
  PerfStats stats;
  stats.field = opt.field;
  stats.by = opt.by;
  (void)for_each_event(opt.in, err, [&](const InputFile&, const Event& e) { stats.add(e); });
  const std::string field_label = opt.field.empty() ? "latency_ms|elapsed_ms" : opt.field;

  if (opt.json) {
    nlohmann::ordered_json j;
    j["field"] = field_label;
    j["by"] = opt.by;
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
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    out.flush();
    return exit_ok;
  }

  std::string s = field_label + " by " + opt.by + "\n";
  std::size_t width = 8;
  for (const auto& [name, g] : stats.groups) width = std::max(width, name.size());
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

  if (stats.total_usage.calls > 0) {
    s += "\nLLM usage by " + opt.by + "\n";
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
  out << s;
  out.flush();
  return exit_ok;
}

// ---- tail -------------------------------------------------------------------------------

}  // namespace leadscout::logs_tool

// leadscout-logs: summary, filter, perf and tail over leadscout's JSON-lines log tree.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "tail.hpp"

namespace lg = leadscout::logs_tool;

namespace {

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void on_stop_signal(int) { stop_requested = 1; }

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking call returns so the loop sees the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

constexpr const char* footer = R"(Inputs: a log directory (default `logs`) is walked recursively for *.log and *.log.gz files;
files that do not start with '{' (such as progress/current-operation.log) are skipped.
Files given by name are always read. .gz files are decompressed while streaming.

Each event once (--dedup routes, the default): leadscout writes one event to several files
(an error is in production/operations and production/errors). Under the default routing table
an event is counted only in the first of its files that exists, in the order operations, errors,
metrics, classification, api-calls, performance; files outside that table count every line.
--dedup lines skips exact repeated lines instead (memory grows with distinct lines);
--dedup none reads every line of every file.

Corrupt lines (not JSON, truncated, invalid UTF-8, missing timestamp/level/logger/event) are
skipped, counted, and reported on stderr with file and line number: the first few one by one,
then a total. They never stop the run.

perf percentiles: nearest rank, exact up to 2048 values per group; past that values go into
logarithmic buckets with a relative error of at most 0.5%. count, max and mean are exact.

Exit codes: 0 success, 1 failure, 2 bad usage or a missing or unreadable path.)";

struct FilterArgs {
  std::string level;
  std::vector<std::string> loggers;
  std::string since;
  std::string until;
  std::vector<std::string> where;
  std::string grep;
  bool regex = false;
  std::vector<std::string> instances;
};

CLI::Validator time_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        bool date_only = false;
        if (lg::parse_time_bound(value, date_only)) return {};
        return "'" + value +
               "' is not a date or timestamp (expected YYYY-MM-DD or "
               "YYYY-MM-DDTHH:MM[:SS[.ffffff]][Z|+HH:MM])";
      },
      "TIME");
}

CLI::Validator level_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (lg::parse_level_lenient(value)) return {};
        return "'" + value + "' is not a level (trace, debug, info, warning, error, critical)";
      },
      "LEVEL");
}

CLI::Validator where_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const auto eq = value.find('=');
        if (eq == std::string::npos || eq == 0) return "'" + value + "' is not key=value";
        return {};
      },
      "KEY=VALUE");
}

void add_filter_options(CLI::App& app, FilterArgs& f) {
  app.add_option("--level", f.level, "Only events at this level or above")
      ->check(level_validator());
  app.add_option("--logger", f.loggers,
                 "Only these loggers (glob; `api` also matches `api.*`); repeatable")
      ->allow_extra_args(false);
  app.add_option("--since", f.since, "Only events at or after this time (date or ISO-8601, UTC if no zone)")
      ->check(time_validator());
  app.add_option("--until", f.until,
                 "Only events at or before this time (a date includes the whole day)")
      ->check(time_validator());
  app.add_option("--where", f.where,
                 "Only events whose field equals the value (string form); repeatable, all must hold")
      ->check(where_validator())
      ->allow_extra_args(false);
  app.add_option("--grep", f.grep, "Only lines containing this text (raw JSON line)");
  app.add_flag("--regex", f.regex, "--grep is an ECMAScript regular expression");
  app.add_option("--instance", f.instances,
                 "Only the files of this writer instance (name-DATE.INSTANCE.log, e.g. shard-1-of-4); repeatable")
      ->allow_extra_args(false);
}

lg::FilterSpec make_filter(const FilterArgs& a) {
  lg::FilterSpec f;
  if (!a.level.empty()) f.min_level = lg::parse_level_lenient(a.level);
  f.loggers = a.loggers;
  bool date_only = false;
  if (!a.since.empty()) f.since_us = lg::parse_time_bound(a.since, date_only);
  if (!a.until.empty()) {
    f.until_us = lg::parse_time_bound(a.until, date_only);
    if (f.until_us && date_only) *f.until_us += std::int64_t{86400} * 1000000 - 1;
  }
  for (const auto& w : a.where) {
    const auto eq = w.find('=');
    f.where.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  f.grep = a.grep;
  f.regex = a.regex;
  f.instances = a.instances;
  try {
    f.prepare();
  } catch (const std::regex_error& e) {
    throw CLI::ValidationError("--grep", "'" + a.grep + "' is not a valid regex: " + e.what());
  }
  return f;
}

lg::DedupMode parse_dedup(const std::string& s) {
  if (s == "lines") return lg::DedupMode::lines;
  if (s == "none") return lg::DedupMode::none;
  return lg::DedupMode::routes;
}

/// The input options of summary, filter and perf (--dedup also of tail).
struct InputArgs {
  std::vector<std::string> paths;
  std::string dedup = "routes";
  std::size_t corrupt_shown = 10;
};

void add_input_options(CLI::App& sub, InputArgs& in) {
  sub.add_option("paths", in.paths, "Log directories or files (default: logs)");
  sub.add_option("--dedup", in.dedup, "How events written to several files are counted")
      ->check(CLI::IsMember({"routes", "lines", "none"}))
      ->capture_default_str();
  sub.add_option("--show-corrupt", in.corrupt_shown, "Corrupt lines reported one by one")
      ->capture_default_str();
}

lg::InputOptions make_inputs(const InputArgs& args, const lg::FilterSpec& spec) {
  lg::InputOptions in;
  if (!args.paths.empty()) in.paths = args.paths;
  in.dedup = parse_dedup(args.dedup);
  in.filter = spec;
  in.filter.prepare();
  in.corrupt_shown = args.corrupt_shown;
  return in;
}

/// The options of tail that are not TailOptions as they are.
struct TailArgs {
  lg::TailOptions options;
  double interval_s = 0.5;
  std::string tz;
  std::string fixed_today;
};

/// Everything the command line sets, and its subcommands.
struct CommandLine {
  InputArgs inputs;
  FilterArgs filter_args;
  lg::SummaryOptions summary;
  lg::FilterOptions filter;
  lg::PerfOptions perf;
  TailArgs tail;
  CLI::App* summary_cmd = nullptr;
  CLI::App* filter_cmd = nullptr;
  CLI::App* perf_cmd = nullptr;
};

void add_read_commands(CLI::App& app, CommandLine& c) {
  c.summary_cmd = app.add_subcommand("summary", "Time range, counts by level and logger, top errors and warnings");
  add_input_options(*c.summary_cmd, c.inputs);
  add_filter_options(*c.summary_cmd, c.filter_args);
  c.summary_cmd->add_flag("--json", c.summary.json, "Machine-readable JSON output");
  c.summary_cmd->add_option("--top", c.summary.top, "How many error and warning events to list")
      ->capture_default_str();

  c.filter_cmd = app.add_subcommand("filter", "Print the selected events as JSON lines or --pretty console lines");
  add_input_options(*c.filter_cmd, c.inputs);
  add_filter_options(*c.filter_cmd, c.filter_args);
  c.filter_cmd->add_flag("--pretty", c.filter.pretty, "Console format instead of JSON lines");

  c.perf_cmd = app.add_subcommand("perf", "p50/p90/p99/max of a numeric field per group; LLM token and cost totals");
  add_input_options(*c.perf_cmd, c.inputs);
  add_filter_options(*c.perf_cmd, c.filter_args);
  c.perf_cmd->add_option("--field", c.perf.field, "Numeric field to measure (default: latency_ms, else elapsed_ms)");
  c.perf_cmd->add_option("--by", c.perf.by, "Group by this field (logger, event, provider, ...)")
      ->capture_default_str();
  c.perf_cmd->add_flag("--json", c.perf.json, "Machine-readable JSON output");

  for (auto* sub : {c.summary_cmd, c.filter_cmd, c.perf_cmd}) sub->footer(footer);
}

void add_tail_command(CLI::App& app, CommandLine& c) {
  TailArgs& t = c.tail;
  auto* tail_cmd = app.add_subcommand("tail", "Last lines of today's files; -f follows them across midnight rotation");
  tail_cmd->add_option("dir", t.options.dir, "Log directory")->capture_default_str();
  tail_cmd->add_flag("-f,--follow", t.options.follow, "Keep printing new lines until SIGINT/SIGTERM");
  tail_cmd->add_option("-n,--lines", t.options.lines, "Lines to print first")->capture_default_str();
  tail_cmd->add_option("--interval", t.interval_s, "Polling interval in seconds")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  tail_cmd->add_option("--tz", t.tz, "Time zone of the dates in file names (default: LEADSCOUT_LOG_TZ, else utc)")
      ->check(CLI::IsMember({"utc", "local"}));
  tail_cmd->add_flag("--pretty", t.options.pretty, "Console format instead of JSON lines");
  tail_cmd->add_option("--dedup", c.inputs.dedup, "How events written to several files are counted")
      ->check(CLI::IsMember({"routes", "lines", "none"}));
  tail_cmd->add_option("--today", t.fixed_today, "")->group("");  // fixed date, for tests
  add_filter_options(*tail_cmd, c.filter_args);
  tail_cmd->footer(
      "Follows the files named *-YYYY-MM-DD.log and *-YYYY-MM-DD.INSTANCE.log for today's date under\n"
      "DIR (recursively), polling every --interval; files that appear later (another writer's,\n"
      "the next day's after midnight) are read from their start, and yesterday's files are\n"
      "drained until the logger compresses them away.\n"
      "Each event is printed once (the --dedup routes rule). SIGINT or SIGTERM ends it with exit 0.");
}

/// tail, until SIGINT or SIGTERM when it follows.
int run_tail_command(TailArgs& t, const std::string& dedup, const lg::FilterSpec& spec) {
  t.options.filter = spec;
  t.options.filter.prepare();
  t.options.dedup = parse_dedup(dedup);
  t.options.interval = std::chrono::milliseconds(static_cast<long long>(t.interval_s * 1000));
  if (t.options.interval.count() < 1) t.options.interval = std::chrono::milliseconds(1);
  if (t.tz.empty()) {
    const char* env = std::getenv("LEADSCOUT_LOG_TZ");
    t.tz = env != nullptr && std::string(env) == "local" ? "local" : "utc";
  }
  const bool local = t.tz == "local";
  install_stop_handlers();
  lg::TailHooks hooks;
  hooks.today = [&]() { return t.fixed_today.empty() ? lg::today_string(local) : t.fixed_today; };
  hooks.stop = []() { return stop_requested != 0; };
  hooks.sleep = [](std::chrono::milliseconds d) {
    const auto slice = std::chrono::milliseconds(50);
    while (d.count() > 0 && stop_requested == 0) {
      const auto step = std::min(d, slice);
      std::this_thread::sleep_for(step);
      d -= step;
    }
  };
  return lg::run_tail(t.options, hooks, std::cout, std::cerr);
}

/// Runs the subcommand the command line chose.
int run_command(CommandLine& c) {
  const lg::FilterSpec spec = make_filter(c.filter_args);
  if (*c.summary_cmd) {
    c.summary.in = make_inputs(c.inputs, spec);
    return lg::run_summary(c.summary, std::cout, std::cerr);
  }
  if (*c.filter_cmd) {
    c.filter.in = make_inputs(c.inputs, spec);
    return lg::run_filter(c.filter, std::cout, std::cerr);
  }
  if (*c.perf_cmd) {
    c.perf.in = make_inputs(c.inputs, spec);
    return lg::run_perf(c.perf, std::cout, std::cerr);
  }
  return run_tail_command(c.tail, c.inputs.dedup, spec);
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);

  CLI::App app{"leadscout-logs: analyse leadscout's JSON-lines logs (plain and .gz)", "leadscout-logs"};
  app.footer(footer);
  app.set_version_flag("--version", std::string(LEADSCOUT_LOGS_VERSION));
  app.require_subcommand(1);
  CommandLine command_line;
  add_read_commands(app, command_line);
  add_tail_command(app, command_line);

  try {
    app.parse(argc, argv);
    return run_command(command_line);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? lg::exit_ok : lg::exit_usage;
  } catch (const lg::PathError& e) {
    std::cout.flush();
    std::cerr << "leadscout-logs: " << e.what() << '\n';
    return lg::exit_usage;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "leadscout-logs: " << e.what() << '\n';
    return lg::exit_failure;
  }
}

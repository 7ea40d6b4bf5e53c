// leadscout-status: progress table, live view and health check over a progress directory.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <leadscout/monitor.hpp>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "status.hpp"

namespace ls = leadscout::status;

namespace {

constexpr const char* footer = R"(Reads the progress files of leadscout::batch in DIR: <operation>.json and
<operation>.shard-<i>-of-<n>.json (batch-status.json, .prom, .checkpoint.jsonl and temporary files
are skipped). The shards of an operation are summed into one row; --shards lists them too.

Operations with provider quotas get the columns SPEND (spent/budget in USD, the shards summed), 429
(rate-limited calls), IN-FLIGHT (permits held/limit) and COOLDOWN. A quota the shards share through
Redis (LEADSCOUT_QUOTA_REDIS) gets a line below the table with the operation-wide use: shards
connected, requests and tokens in the last minute, and spend.

--check exit codes (monitoring plugins): 0 OK; 1 WARNING: a running operation's heartbeat is older
than --stale-after, failed/processed is above --max-failure-rate, a run completed with failed items
(it exited 5), or a quota has spent 80% of its budget; 2 CRITICAL: status failed, starting/running while its pid is gone on this host, or a budget
is exhausted; 3 UNKNOWN: no progress file, an unreadable one, a missing directory or bad usage.
Several problems: the worst wins (OK < UNKNOWN < WARNING < CRITICAL) and the message lists them
all.

Other exit codes: 0 success; 1 a progress file could not be read, no progress file, or (--watch) an
operation whose process is gone; 2 bad usage or a missing directory.)";

struct Arguments {
  std::string dir = "logs/progress";
  std::string operation;
  bool shards = false;
  bool json = false;
  bool watch = false;
  double interval = 1.0;
  bool check = false;
  double stale_after = 60.0;
  double max_failure_rate = 0.1;
  std::string now;
  std::string serve;  // host:port of the dashboard and JSON endpoints
};

CLI::Validator time_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (ls::parse_iso8601(value)) return {};
        return "'" + value + "' is not an ISO-8601 time (YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM])";
      },
      "TIME");
}

class ClockSource {
 public:
  explicit ClockSource(const std::string& fixed) {
    if (!fixed.empty()) fixed_ = ls::parse_iso8601(fixed);
  }
  [[nodiscard]] ls::TimePoint now() const { return fixed_ ? *fixed_ : std::chrono::system_clock::now(); }

 private:
  std::optional<ls::TimePoint> fixed_;
};

void report_errors(const ls::ScanResult& scan) {
  for (const auto& e : scan.errors) {
    std::cerr << "leadscout-status: " << e.file.string() << ": " << e.message << '\n';
  }
}

std::string nothing_found(const Arguments& a) {
  return a.operation.empty() ? "no progress files in " + a.dir
                             : "no progress file for operation " + a.operation + " in " + a.dir;
}

int run_check(const Arguments& a, const ClockSource& clock) {
  ls::Environment env{clock.now()};
  ls::CheckOptions options{a.stale_after, a.max_failure_rate};
  ls::CheckResult result;
  try {
    const auto scan = ls::scan_directory(a.dir, a.operation);
    const auto rows = ls::aggregate(scan.files, env);
    result = ls::evaluate_check(scan, rows, options, env, a.dir, a.operation);
  } catch (const std::exception& e) {
    result = {ls::CheckState::unknown, std::string("LEADSCOUT UNKNOWN - ") + e.what()};
  }
  std::cout << result.line << std::endl;
  return static_cast<int>(result.state);
}

int run_show(const Arguments& a, const ClockSource& clock) {
  ls::Environment env{clock.now()};
  ls::ScanResult scan;
  try {
    scan = ls::scan_directory(a.dir, a.operation);
  } catch (const std::exception& e) {
    std::cerr << "leadscout-status: " << e.what() << '\n';
    return 2;
  }
  report_errors(scan);
  const auto rows = ls::aggregate(scan.files, env);
  if (a.json) {
    std::cout << ls::render_json(scan, rows, env, a.dir).dump(2) << std::endl;
  } else if (!rows.empty()) {
    std::cout << ls::render_table(rows, a.shards) << std::flush;
  }
  if (rows.empty() && scan.errors.empty()) {
    std::cerr << "leadscout-status: " << nothing_found(a) << '\n';
    return 1;
  }
  return scan.errors.empty() ? 0 : 1;
}

int run_watch(const Arguments& a, const ClockSource& clock) {
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  const auto interval = std::chrono::duration<double>(a.interval);
  std::size_t previous_lines = 0;
  for (;;) {
    ls::Environment env{clock.now()};
    ls::ScanResult scan;
    try {
      scan = ls::scan_directory(a.dir, a.operation);
    } catch (const std::exception& e) {
      std::cerr << "leadscout-status: " << e.what() << '\n';
      return 2;
    }
    const auto rows = ls::aggregate(scan.files, env);
    // Done when no operation is at work any more; one whose process is gone on this host never
    // ends by itself, so it stops the watch as well (exit 1).
    bool any_active = false;
    bool settled = !rows.empty();
    for (const auto& row : rows) {
      if (!ls::is_active(row.status)) continue;
      any_active = true;
      if (row.pid != ls::PidState::dead) settled = false;
    }

    std::string block = ls::format_iso8601(env.now) + "  " + a.dir;
    block += !settled ? "\n" : any_active ? "  (a process is gone)\n" : "  (every operation has ended)\n";
    if (rows.empty()) {
      block += "waiting for " +
               (a.operation.empty() ? std::string("progress files") : "the progress file of " + a.operation) + "\n";
    } else {
      block += ls::render_table(rows, a.shards);
    }
    for (const auto& e : scan.errors) block += "unreadable: " + e.file.string() + ": " + e.message + "\n";

    if (tty) {
      if (previous_lines > 0) std::cout << "\x1b[" << previous_lines << "A\x1b[J";
      previous_lines = static_cast<std::size_t>(std::count(block.begin(), block.end(), '\n'));
      std::cout << block << std::flush;
    } else {
      std::cout << block << '\n' << std::flush;
    }
    if (settled) {
      report_errors(scan);
      return !any_active && scan.errors.empty() ? 0 : 1;
    }
    std::this_thread::sleep_for(interval);
  }
}

/// Serves the dashboard, /progress, /healthz and /metrics for every operation of the
/// directory until SIGINT or SIGTERM.
int run_serve(const Arguments& a) {
  namespace lm = leadscout::monitor;
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // before the server's threads start
  lm::Options o;
  o.progress_dir = a.dir;
  o.scope = lm::Scope::all;
  o.initial_readiness = lm::Readiness::ready;
  if (const char* token = std::getenv("LEADSCOUT_HTTP_TOKEN"); token != nullptr) o.token = token;
  std::unique_ptr<lm::Server> server;
  try {
    server = lm::serve(a.serve, o);
  } catch (const std::exception& e) {
    std::cerr << "leadscout-status: --serve " << a.serve << ": " << e.what() << "\n";
    return 2;
  }
  std::cout << "serving " << a.dir << " on http://" << server->address() << "/ (Ctrl-C stops)" << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments a;
  CLI::App app{"leadscout-status: progress, live view and health check of leadscout batch runs", "leadscout-status"};
  app.footer(footer);
  app.set_version_flag("--version", std::string(LEADSCOUT_STATUS_VERSION));
  app.add_option("--dir", a.dir, "Progress directory")->capture_default_str();
  app.add_option("operation", a.operation, "Only this operation (default: every operation in DIR)");
  app.add_flag("--shards", a.shards, "List each shard under its operation");
  auto* json = app.add_flag("--json", a.json, "Print a JSON document instead of the table");
  auto* watch = app.add_flag("--watch", a.watch, "Redraw the table until every operation has ended");
  auto* interval = app.add_option("--interval", a.interval, "Seconds between redraws with --watch")
                       ->capture_default_str()
                       ->check(CLI::Range(0.05, 86400.0));
  auto* check = app.add_flag("--check", a.check, "Health check: one line and a monitoring-plugin exit code");
  auto* stale = app.add_option("--stale-after", a.stale_after,
                               "--check: seconds after which a running operation's heartbeat is stale")
                    ->capture_default_str()
                    ->check(CLI::NonNegativeNumber);
  auto* failure = app.add_option("--max-failure-rate", a.max_failure_rate,
                                 "--check: highest allowed failed/processed (0..1)")
                      ->capture_default_str()
                      ->check(CLI::Range(0.0, 1.0));
  // Tests pin "now" so that heartbeat ages and staleness need no sleeping; hidden from --help.
  app.add_option("--now", a.now, "")->group("")->check(time_validator());
  auto* serve = app.add_option("--serve", a.serve,
                               "Serve the dashboard and JSON endpoints for every operation in DIR on HOST:PORT "
                               "(e.g. 127.0.0.1:9464); LEADSCOUT_HTTP_TOKEN protects a non-loopback address");
  serve->excludes(watch)->excludes(check)->excludes(json);
  watch->excludes(check)->excludes(json);
  check->excludes(json);
  interval->needs(watch);
  stale->needs(check);
  failure->needs(check);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    if (code == 0) return 0;
    for (int i = 1; i < argc; ++i) {
      if (std::strcmp(argv[i], "--check") == 0) return 3;
    }
    return 2;
  }
  const ClockSource clock(a.now);
  if (!a.serve.empty()) return run_serve(a);
  if (a.check) return run_check(a, clock);
  if (a.watch) return run_watch(a, clock);
  return run_show(a, clock);
}

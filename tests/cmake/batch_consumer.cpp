// A program outside the leadscout tree that runs a batch the way an application does: a
// JSON-serialised Result, a resumed second run, the results exported, the progress file read
// back, and setup failures caught as leadscout::Error. Built against an installed leadscout,
// also with -DJSON_DIAGNOSTICS=1 (another nlohmann ABI namespace than the library's) and against
// a shared build, where every exception crosses a library boundary.
#include <leadscout/batch.hpp>
#include <leadscout/error.hpp>
#include <leadscout/log.hpp>
#ifdef CONSUMER_WITH_MONITOR
#include <leadscout/monitor.hpp>
#endif

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

namespace lb = leadscout::batch;

namespace consumer {

struct Lead {
  int id = 0;
  std::string name;
};

struct Verdict {
  std::string name;
  int score = 0;
};

void to_json(nlohmann::json& j, const Verdict& v) { j = nlohmann::json{{"name", v.name}, {"score", v.score}}; }
void from_json(const nlohmann::json& j, Verdict& v) {
  j.at("name").get_to(v.name);
  j.at("score").get_to(v.score);
}

}  // namespace consumer

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what);
    ++failures;
  }
}

lb::Options options(const std::filesystem::path& dir) {
  lb::Options opt;
  opt.operation = "consumer";
  opt.concurrency = 2;
  opt.progress_dir = dir / "progress";
  opt.progress_bar = lb::ProgressBarMode::off;
  opt.handle_signals = false;
  opt.systemd_notify = false;
  return opt;
}

// Expects run() to throw a leadscout::Error; returns its message.
std::string setup_error(const lb::Options& opt, std::span<const consumer::Lead> leads) {
  try {
    lb::BackgroundProcessor<consumer::Lead, consumer::Verdict> proc(opt);
    (void)proc.run(leads, [](const consumer::Lead& l, lb::Context&) { return consumer::Verdict{l.name, 0}; });
  } catch (const leadscout::Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

int main() {
  namespace ll = leadscout::log;
  const char* env_dir = std::getenv("LEADSCOUT_LOG_DIR");
  const std::filesystem::path dir = env_dir != nullptr ? env_dir : "consumer-logs";
  std::filesystem::remove_all(dir);
  auto cfg = ll::Config::from_env();
  cfg.dir = dir;
  cfg.console = ll::ConsoleMode::off;
  ll::init(cfg);

  std::vector<consumer::Lead> leads;
  for (int i = 1; i <= 20; ++i) leads.push_back({i, "lead-" + std::to_string(i)});
  const lb::Options opt = options(dir);

  lb::BackgroundProcessor<consumer::Lead, consumer::Verdict> proc(opt);
  auto summary = proc.run(std::span<const consumer::Lead>(leads),
                          [](const consumer::Lead& l, lb::Context& ctx) -> lb::Outcome<consumer::Verdict> {
                            ctx.metric("scored");
                            return consumer::Verdict{l.name, l.id * 2};
                          });
  check(summary.status == lb::Status::completed, "run completed");
  check(summary.results.size() == 20 && summary.results[19].second.score == 40, "results in input order");
  check(lb::exit_code(summary) == 0, "exit code");

  // A second run of the same operation resumes every item from the journal (Result from JSON).
  auto again = proc.run(std::span<const consumer::Lead>(leads),
                        [](const consumer::Lead&, lb::Context&) -> lb::Outcome<consumer::Verdict> {
                          return lb::Failure{"must not run", lb::Retry::no};
                        });
  check(again.skipped_resumed == 20 && again.results.size() == 20 && again.results[0].second.name == "lead-1",
        "resumed results");

  lb::export_jsonl(summary, dir / "results.jsonl");
  lb::export_csv(summary, dir / "results.csv");
  std::ifstream jsonl(dir / "results.jsonl");
  std::string line;
  std::getline(jsonl, line);
  check(nlohmann::json::parse(line)["result"]["score"] == 2, "exported JSON lines");

  const lb::ProgressSnapshot snapshot = lb::read_progress(summary.progress_file);
  check(snapshot.status == lb::Status::completed && snapshot.processed == 20, "progress file");
  const nlohmann::json j = snapshot;
  check(j.get<lb::ProgressSnapshot>().metrics.at("scored") == 20, "progress snapshot through the caller's JSON");

  // Setup failures are one type.
  lb::Options bad = opt;
  bad.concurrency = 0;
  check(setup_error(bad, leads).find("concurrency") != std::string::npos, "bad option is a leadscout::Error");
  try {
    (void)lb::parse_shard("3/2");
    check(false, "parse_shard throws");
  } catch (const leadscout::Error&) {
  }
#ifdef CONSUMER_WITH_MONITOR
  // A monitoring endpoint that cannot bind fails run() with a leadscout::Error too.
  auto taken = leadscout::monitor::serve("127.0.0.1:0");
  lb::Options monitored = opt;
  monitored.operation = "consumer_monitored";
  leadscout::monitor::attach(monitored, taken->address());
  check(!setup_error(monitored, leads).empty(), "occupied port is a leadscout::Error");
#endif

  ll::shutdown();
  if (failures != 0) return 1;
  std::puts("batch consumer ok");
  return 0;
}

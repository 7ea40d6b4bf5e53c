// demo_500_leads end to end: started detached (own session, no terminal), with fast simulated
// latency; checks exit codes, the results file, the log tree and the progress file.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/batch/progress.hpp"
#include "utils.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using leadscout::test::read_file;
using leadscout::test::read_lines;
using namespace std::chrono_literals;

/// A demo process started like `setsid demo ... </dev/null >stdout 2>stderr` in `cwd`,
/// without the caller's LEADSCOUT_* variables.
class Demo {
 public:
  Demo(const fs::path& cwd, const std::vector<std::string>& args) : cwd_(cwd) {
    std::vector<std::string> argv{DEMO_500_LEADS};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "LEADSCOUT_", 10) != 0) env.emplace_back(*e);
    }
    const std::string out = (cwd / "stdout.txt").string();
    const std::string err = (cwd / "stderr.txt").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setsid();  // no controlling terminal
      if (::chdir(cwd.c_str()) != 0) ::_exit(126);
      const int in = ::open("/dev/null", O_RDONLY);
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in < 0 || o < 0 || e < 0) ::_exit(126);
      ::dup2(in, 0);
      ::dup2(o, 1);
      ::dup2(e, 2);
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      std::vector<char*> en;
      for (auto& s : env) en.push_back(s.data());
      en.push_back(nullptr);
      ::execve(a[0], a.data(), en.data());
      ::_exit(127);
    }
  }
  Demo(const Demo&) = delete;
  Demo& operator=(const Demo&) = delete;
  ~Demo() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  /// The exit status (a signal death counts as 128 + signal); -1 after the guard limit.
  int wait(std::chrono::seconds limit = 60s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string stdout_text() const { return read_file(cwd_ / "stdout.txt"); }
  [[nodiscard]] std::string stderr_text() const { return read_file(cwd_ / "stderr.txt"); }

 private:
  fs::path cwd_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

/// The concatenated contents of the dated files `<dir>/<stem>-*.log`.
std::string dated_log(const fs::path& dir, const std::string& stem) {
  std::string text;
  if (!fs::exists(dir)) return text;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(stem + "-", 0) == 0 && e.path().extension() == ".log") text += read_file(e.path());
  }
  return text;
}

/// Each JSON line of a log text, parsed; fails the test for a line that is not JSON.
std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  for (const std::string& line : leadscout::test::split_lines(text)) {
    if (line.empty()) continue;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON (" << e.what() << "): " << line;
    }
  }
  return out;
}

std::size_t count_events(const std::vector<nlohmann::json>& lines, const std::string& event) {
  std::size_t n = 0;
  for (const auto& j : lines) n += j.value("event", "") == event ? 1 : 0;
  return n;
}

const nlohmann::json* find_event(const std::vector<nlohmann::json>& lines, const std::string& event) {
  for (const auto& j : lines) {
    if (j.value("event", "") == event) return &j;
  }
  return nullptr;
}

/// Results CSV rows by id (the header checked); fails on a duplicate id.
std::map<std::string, std::vector<std::string>> csv_rows(const fs::path& file) {
  std::map<std::string, std::vector<std::string>> rows;
  const auto lines = read_lines(file);
  EXPECT_FALSE(lines.empty());
  if (lines.empty()) return rows;
  EXPECT_EQ(lines[0], "id,name,label,confidence,method,provider");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> fields;
    std::string f;
    bool quoted = false;
    for (const char c : lines[i]) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields.push_back(f);
        f.clear();
      } else {
        f += c;
      }
    }
    fields.push_back(f);
    EXPECT_EQ(fields.size(), 6u) << lines[i];
    EXPECT_TRUE(rows.emplace(fields[0], fields).second) << "duplicate row for " << fields[0];
  }
  return rows;
}

void expect_every_lead_once(const std::map<std::string, std::vector<std::string>>& rows, int n) {
  EXPECT_EQ(rows.size(), static_cast<std::size_t>(n));
  for (int i = 1; i <= n; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "lead-%04d", i);
    EXPECT_TRUE(rows.contains(id)) << id;
  }
}

/// Polls the progress file until `pred` holds (a hang guard, not a timing assertion).
template <class Pred>
std::optional<leadscout::batch::ProgressSnapshot> wait_progress(const fs::path& file, Pred pred,
                                                                std::chrono::seconds limit = 30s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (fs::exists(file)) {
      try {
        auto s = leadscout::batch::read_progress(file);
        if (pred(s)) return s;
      } catch (const std::exception&) {
        // not written yet
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  return std::nullopt;
}

TEST(DemoEndToEnd, DetachedRunCompletesWithResultsLogsAndProgress) {
  leadscout::test::TempDir dir;
  Demo demo(dir.path(), {"--leads", "500", "--llm-latency-ms", "2", "--item-timeout", "300ms", "--log-dir", "logs"});
  ASSERT_EQ(demo.wait(), 0) << demo.stderr_text();

  // Results: the default file under results/, one row per lead, separate from the logs.
  const auto rows = csv_rows(dir / "results/logistics_demo.csv");
  expect_every_lead_once(rows, 500);
  std::set<std::string> methods;
  for (const auto& [id, f] : rows) {
    methods.insert(f[4]);
    if (f[4] == "llm") {
      EXPECT_TRUE(f[5] == "openai" || f[5] == "anthropic") << id;
    } else {
      EXPECT_EQ(f[5], "") << id;
    }
  }
  EXPECT_EQ(methods, (std::set<std::string>{"llm", "phonetic", "rule"}));

  // Debug: every classification attempt and every LLM call.
  const auto classification = json_lines(dated_log(dir / "logs/debug", "classification"));
  std::set<std::string> attempted;  // retries after a timeout or LLM failure attempt again
  for (const auto& j : classification) {
    if (j.value("event", "") == "Rule classification attempt") attempted.insert(j.at("item_id").get<std::string>());
  }
  EXPECT_EQ(attempted.size(), 500u);
  EXPECT_GT(count_events(classification, "Phonetic match attempt"), 100u);
  EXPECT_GT(count_events(classification, "LLM fallback triggered"), 100u);
  for (const auto& j : classification) EXPECT_EQ(j.value("level", ""), "debug");
  const auto api = json_lines(dated_log(dir / "logs/debug", "api-calls"));
  EXPECT_EQ(count_events(api, "LLM call"), api.size());
  ASSERT_FALSE(api.empty());
  for (const char* key : {"provider", "model", "tokens", "cost_usd", "latency_ms", "outcome", "item_id"}) {
    EXPECT_TRUE(api.front().contains(key)) << key << " in " << api.front().dump();
  }

  // Production: the original request's lines, no debug detail.
  const auto operations = json_lines(dated_log(dir / "logs/production", "operations"));
  const auto* start = find_event(operations, "Starting logistics lead processing");
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->at("batch_size"), 500);
  const auto* llm = find_event(operations, "LLM fallback enabled");
  ASSERT_NE(llm, nullptr);
  EXPECT_EQ(llm->at("providers"), nlohmann::json({"openai", "anthropic"}));
  const auto* done = find_event(operations, "Batch processing complete");
  ASSERT_NE(done, nullptr);
  EXPECT_EQ(done->at("total_processed"), 500);
  EXPECT_TRUE(done->contains("success_rate"));
  EXPECT_NE(find_event(operations, "Results written"), nullptr);
  EXPECT_EQ(count_events(operations, "Rule classification attempt"), 0u);
  for (const auto& j : operations) EXPECT_NE(j.value("level", ""), "debug");
  const auto metrics = json_lines(dated_log(dir / "logs/production", "metrics"));
  const auto* business = find_event(metrics, "Business results");
  ASSERT_NE(business, nullptr);
  EXPECT_GT(business->value("african_businesses", 0), 100);
  const auto performance = json_lines(dated_log(dir / "logs/debug", "performance"));
  const auto* perf = find_event(performance, "Performance metrics");
  ASSERT_NE(perf, nullptr);
  EXPECT_TRUE(perf->contains("leads_per_second")) << perf->dump() << ": the original request's field name";
  EXPECT_TRUE(perf->contains("avg_time_ms"));

  // Progress.
  const auto progress = leadscout::batch::read_progress(dir / "logs/progress/logistics_demo.json");
  EXPECT_EQ(progress.status, leadscout::batch::Status::completed);
  EXPECT_EQ(progress.processed, 500u);
  EXPECT_EQ(progress.total, 500u);
  EXPECT_EQ(progress.metrics.at("african_businesses"), business->at("african_businesses").get<std::int64_t>());
  EXPECT_TRUE(fs::exists(dir / "logs/progress/logistics_demo.prom"));
  EXPECT_NE(read_file(dir / "logs/progress/current-operation.log").find("status=completed"), std::string::npos);

  // Nothing on stdout; stderr is a file here, so the console lines went there.
  EXPECT_EQ(demo.stdout_text(), "");
}

TEST(DemoEndToEnd, SigtermStopsThenTheSameCommandResumes) {
  leadscout::test::TempDir dir;
  const std::vector<std::string> args{"--leads",         "500", "--llm-latency-ms", "40",   "--concurrency", "4",
                                      "--llm-hang-rate", "0",   "--log-dir",        "logs", "--output",      "r.csv"};
  const fs::path progress_file = dir / "logs/progress/logistics_demo.json";
  {
    Demo first(dir.path(), args);
    const auto mid = wait_progress(progress_file, [](const auto& s) {
      return s.status == leadscout::batch::Status::running && s.processed >= 50;
    });
    ASSERT_TRUE(mid) << "no progress: " << first.stderr_text();
    ASSERT_LT(mid->processed, 500u) << "finished before the signal; the test needs a slower run";
    ASSERT_EQ(::kill(first.pid(), SIGTERM), 0);
    ASSERT_EQ(first.wait(), 143) << first.stderr_text();
  }
  const auto stopped = leadscout::batch::read_progress(progress_file);
  EXPECT_EQ(stopped.status, leadscout::batch::Status::interrupted);
  EXPECT_LT(stopped.processed, 500u);
  const auto partial = csv_rows(dir / "r.csv");  // what was done so far
  EXPECT_EQ(partial.size(), stopped.processed);

  Demo second(dir.path(), args);
  ASSERT_EQ(second.wait(), 0) << second.stderr_text();
  const auto resumed = leadscout::batch::read_progress(progress_file);
  EXPECT_EQ(resumed.status, leadscout::batch::Status::completed);
  EXPECT_EQ(resumed.processed, 500u);
  EXPECT_EQ(resumed.skipped_resumed, stopped.succeeded);
  EXPECT_GT(resumed.skipped_resumed, 0u);
  expect_every_lead_once(csv_rows(dir / "r.csv"), 500);

  // Across both runs each lead was classified exactly once: one "ok" journal line per id and
  // one first attempt per id in the debug log.
  std::map<std::string, int> ok_lines;
  for (const auto& line : read_lines(dir / "logs/progress/logistics_demo.checkpoint.jsonl")) {
    const auto j = nlohmann::json::parse(line);
    if (j.value("status", "") == "ok") ++ok_lines[j.at("id").get<std::string>()];
  }
  EXPECT_EQ(ok_lines.size(), 500u);
  for (const auto& [id, n] : ok_lines) EXPECT_EQ(n, 1) << id;
  std::map<std::string, int> attempts;
  for (const auto& j : json_lines(dated_log(dir / "logs/debug", "classification"))) {
    if (j.value("event", "") == "Rule classification attempt" && j.value("attempt", 0) == 1) {
      ++attempts[j.at("item_id").get<std::string>()];
    }
  }
  EXPECT_EQ(attempts.size(), 500u);
  for (const auto& [id, n] : attempts) EXPECT_EQ(n, 1) << id;
}

TEST(DemoEndToEnd, HangsEndInTimeoutsAndRetries) {
  leadscout::test::TempDir dir;
  Demo demo(dir.path(), {"--leads", "60", "--llm-latency-ms", "2", "--llm-hang-rate", "0.3", "--item-timeout",
                         "100ms", "--log-dir", "logs", "--output", "r.jsonl"});
  ASSERT_EQ(demo.wait(), 0) << demo.stderr_text();
  const auto progress = leadscout::batch::read_progress(dir / "logs/progress/logistics_demo.json");
  EXPECT_GT(progress.retried, 0u);
  EXPECT_EQ(progress.processed, 60u);
  const auto api = json_lines(dated_log(dir / "logs/debug", "api-calls"));
  std::size_t cancelled = 0;
  for (const auto& j : api) cancelled += j.value("outcome", "") == "cancelled" ? 1 : 0;
  EXPECT_GT(cancelled, 0u);
  // JSONL results: one object per lead with the six keys.
  std::set<std::string> ids;
  for (const auto& j : json_lines(read_file(dir / "r.jsonl"))) {
    for (const char* key : {"id", "name", "label", "confidence", "method", "provider"}) EXPECT_TRUE(j.contains(key));
    EXPECT_TRUE(ids.insert(j.at("id").get<std::string>()).second);
  }
  EXPECT_EQ(ids.size(), 60u);
}

TEST(DemoEndToEnd, DeadlineExitsWith3) {
  leadscout::test::TempDir dir;
  Demo demo(dir.path(), {"--leads", "200", "--llm-latency-ms", "300", "--concurrency", "2", "--deadline", "400ms",
                         "--log-dir", "logs"});
  ASSERT_EQ(demo.wait(), 3) << demo.stderr_text();
  const auto progress = leadscout::batch::read_progress(dir / "logs/progress/logistics_demo.json");
  EXPECT_EQ(progress.status, leadscout::batch::Status::deadline_exceeded);
  EXPECT_LT(progress.processed, 200u);
}

TEST(DemoEndToEnd, SigintExitsWith130) {
  leadscout::test::TempDir dir;
  Demo demo(dir.path(), {"--leads", "200", "--llm-latency-ms", "200", "--concurrency", "2", "--log-dir", "logs"});
  ASSERT_TRUE(wait_progress(dir / "logs/progress/logistics_demo.json",
                            [](const auto& s) { return s.status == leadscout::batch::Status::running; }));
  ASSERT_EQ(::kill(demo.pid(), SIGINT), 0);
  ASSERT_EQ(demo.wait(), 130) << demo.stderr_text();
}

TEST(DemoEndToEnd, BadUsageExitsWith2) {
  leadscout::test::TempDir dir;
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--leads", "abc"},
                                               {"--no-such-flag"},
                                               {"--llm-failure-rate", "2"},
                                               {"--output", "results.txt"}}) {
    Demo demo(dir.path(), args);
    EXPECT_EQ(demo.wait(), 2) << args[0];
    EXPECT_NE(demo.stderr_text(), "") << args[0];
  }
  EXPECT_FALSE(fs::exists(dir / "logs")) << "bad usage must not start anything";
  Demo help(dir.path(), {"--help"});
  EXPECT_EQ(help.wait(), 0);
  EXPECT_NE(help.stdout_text().find("--llm-hang-rate"), std::string::npos);
}

TEST(DemoEndToEnd, BadCsvNamesTheLine) {
  leadscout::test::TempDir dir;
  {
    std::ofstream out(dir / "leads.csv");
    out << "id,name\nlead-1,MOKGADI MOTALE\nlead-2,DIEMBY,LUBAMBO\n";
  }
  Demo demo(dir.path(), {"--input", "leads.csv", "--log-dir", "logs"});
  EXPECT_EQ(demo.wait(), 2);
  EXPECT_NE(demo.stderr_text().find("leads.csv:3:"), std::string::npos) << demo.stderr_text();
  EXPECT_NE(dated_log(dir / "logs/production", "errors").find("leads.csv:3:"), std::string::npos);
}

TEST(DemoEndToEnd, CsvInputIsClassified) {
  leadscout::test::TempDir dir;
  {
    std::ofstream out(dir / "leads.csv");
    out << "id,name\nA1,SIPHO DLAMINI\nA2,\"MOLEFFE TRANSPORT, CC\"\nA3,DIEMBY LUBAMBO\n";
  }
  Demo demo(dir.path(), {"--input", "leads.csv", "--llm-latency-ms", "1", "--llm-failure-rate", "0", "--log-dir",
                         "logs", "--output", "out.csv"});
  ASSERT_EQ(demo.wait(), 0) << demo.stderr_text();
  const auto rows = csv_rows(dir / "out.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.at("A1")[4], "rule");
  EXPECT_EQ(rows.at("A2")[1], "MOLEFFE TRANSPORT, CC");
  EXPECT_EQ(rows.at("A2")[4], "phonetic");
  EXPECT_EQ(rows.at("A3")[4], "llm");
  EXPECT_EQ(rows.at("A3")[2], "african");
}

}  // namespace

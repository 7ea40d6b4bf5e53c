// demo_500_leads end to end: started detached (own session, no terminal), with fast simulated
// latency; checks exit codes, the results file, the log tree and the progress file.
#include <signal.h>

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "demo_test_utils.hpp"

namespace {

namespace fs = std::filesystem;
using leadscout::test::read_file;
using leadscout::test::read_lines;
using namespace std::chrono_literals;
using namespace leadscout::test::examples;

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
  EXPECT_EQ(count_events(api, "LLM call") + count_events(api, "LLM failover") + count_events(api, "LLM answer invalid"),
            api.size());
  ASSERT_FALSE(api.empty());
  for (const char* key : {"gen_ai.provider.name", "gen_ai.request.model", "gen_ai.usage.input_tokens", "cost_usd",
                          "latency_ms", "outcome", "item_id"}) {
    EXPECT_TRUE(find_event(api, "LLM call")->contains(key)) << key << " in " << find_event(api, "LLM call")->dump();
  }
  for (const auto& j : api) EXPECT_NE(j.value("outcome", ""), "rate_limited") << "the default run stays in the limits";

  // Production: the lines operators read, no debug detail.
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
  EXPECT_TRUE(perf->contains("leads_per_second")) << perf->dump() << ": the documented field name";
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
  std::set<std::string> finished_first;  // ids the first run journaled an outcome for
  for (const auto& line : read_lines(dir / "logs/progress/logistics_demo.checkpoint.jsonl")) {
    const auto j = nlohmann::json::parse(line);
    const std::string status = j.value("status", "");
    if (status == "ok" || status == "failed") finished_first.insert(j.at("id").get<std::string>());
  }
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
  for (const auto& [id, n] : attempts) {
    // A lead whose attempt the stop cut (its failover could get no new permit while stopping)
    // has no outcome in the first run and starts again; a finished lead never does.
    EXPECT_TRUE(n == 1 || (n == 2 && !finished_first.contains(id))) << id << ": " << n << " first attempts";
  }
}

TEST(DemoEndToEnd, HangsEndInTimeoutsAndRetries) {
  leadscout::test::TempDir dir;
  Demo demo(dir.path(), {"--leads", "60", "--llm-latency-ms", "2", "--llm-hang-rate", "0.3", "--item-timeout",
                         "100ms", "--log-dir", "logs", "--output", "r.jsonl"});
  const int exit = demo.wait();
  ASSERT_TRUE(exit == 0 || exit == 5) << exit << ": " << demo.stderr_text();
  const auto progress = leadscout::batch::read_progress(dir / "logs/progress/logistics_demo.json");
  EXPECT_EQ(progress.status, leadscout::batch::Status::completed);
  EXPECT_EQ(exit, progress.failed > 0 ? 5 : 0) << "a lead that hung on every attempt makes the run exit 5";
  EXPECT_GT(progress.retried, 0u);
  EXPECT_EQ(progress.processed, 60u);
  const auto api = json_lines(dated_log(dir / "logs/debug", "api-calls"));
  std::size_t cancelled = 0;
  for (const auto& j : api) cancelled += j.value("outcome", "") == "cancelled" ? 1 : 0;
  EXPECT_GT(cancelled, 0u);
  // JSONL results: one {"id":...,"result":{...}} per lead, the classification's five keys inside.
  std::set<std::string> ids;
  for (const auto& j : json_lines(read_file(dir / "r.jsonl"))) {
    for (const char* key : {"name", "label", "confidence", "method", "provider"}) {
      EXPECT_TRUE(j.at("result").contains(key)) << key;
    }
    EXPECT_TRUE(ids.insert(j.at("id").get<std::string>()).second);
  }
  EXPECT_EQ(ids.size(), progress.succeeded) << "a lead that failed every attempt has no result";
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

TEST(DemoEndToEnd, ABadRecordPastTheFirstChunkKeepsWhatWasDone) {
  leadscout::test::TempDir dir;
  {
    std::ofstream out(dir / "leads.csv");
    out << "id,name\n";
    for (int i = 1; i <= 1500; ++i) out << (i == 1400 ? "L1400,TOO,MANY" : "L" + std::to_string(i) + ",SIPHO DLAMINI") << "\n";
  }
  Demo demo(dir.path(), {"--input", "leads.csv", "--llm-latency-ms", "1", "--log-dir", "logs", "--output", "out.csv"});
  EXPECT_EQ(demo.wait(), 2);
  EXPECT_NE(demo.stderr_text().find("leads.csv:1401:"), std::string::npos) << demo.stderr_text();
  // The streamed input is read ahead by chunks of 1024: the first chunk ran, none of the second.
  const auto rows = csv_rows(dir / "out.csv");
  EXPECT_EQ(rows.size(), 1024u);
  EXPECT_TRUE(rows.contains("L1024"));
  EXPECT_FALSE(rows.contains("L1025"));
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

// demo_500_leads against leadscout-llm-stub over loopback HTTP, both as child processes: labels
// as in process, a rejected key, a hung provider, SIGTERM and resume, a 429 storm, a budget.
#include <signal.h>

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "demo_test_utils.hpp"
#include "running_stub.hpp"

namespace {

namespace fs = std::filesystem;
using leadscout::test::read_file;
using leadscout::test::read_lines;
using leadscout::test::RunningStub;
using leadscout::test::TempDir;
using namespace std::chrono_literals;
using namespace leadscout::test::examples;

constexpr const char* kKey = "sk-test-DO-NOT-LOG-7f3a9c";
const std::string kKeyEnv = std::string("OPENAI_API_KEY=") + kKey;

/// Fast, failure-free simulation flags shared by the stub-side and in-process runs.
const std::vector<std::string> kQuiet = {"--llm-latency-ms", "1", "--llm-failure-rate", "0", "--llm-hang-rate", "0"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// Every file under `dir` (logs, progress, journal, results, stdout, stderr) concatenated.
std::string every_output(const fs::path& dir) {
  std::string text;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) text += e.path().extension() == ".gz" ? leadscout::test::read_gzip(e.path()) : read_file(e.path());
  }
  return text;
}

std::map<std::string, std::string> labels(const fs::path& results) {
  std::map<std::string, std::string> out;
  for (const auto& [id, f] : csv_rows(results)) out[id] = f[2] + "/" + f[4];
  return out;
}

TEST(DemoHttp, BothApisMatchTheInProcessSimulationAndNeverLogTheKey) {
  for (const std::string api : {"openai", "anthropic"}) {
    TempDir dir;
    const std::vector<std::string> base = {"--leads", "120", "--llm-api", api, "--log-dir", "logs", "--concurrency", "8"};
    Demo local(dir.path(), with(with(base, kQuiet), {"--output", "local.csv", "--operation", "local"}));
    ASSERT_EQ(local.wait(), 0) << local.stderr_text();
    RunningStub stub({"--latency-ms", "1"});
    const std::string url = api == "openai" ? stub.url() + "/v1" : stub.url();
    const std::string key_env = (api == "openai" ? "OPENAI_API_KEY=" : "ANTHROPIC_API_KEY=") + std::string(kKey);
    // Without the response cache: the local run's answers, in the log dir's default cache, would
    // spare every call over HTTP.
    Demo http(dir.path(), with(base, {"--llm-url", url, "--output", "http.csv", "--operation", "http", "--llm-cache", "off"}),
              {key_env});
    ASSERT_EQ(http.wait(), 0) << http.stderr_text();
    EXPECT_EQ(labels(dir / "http.csv"), labels(dir / "local.csv")) << api;
    EXPECT_GT(stub.stats().value("answered", 0), 10) << api;
    const auto calls = json_lines(dated_log(dir / "logs/debug", "api-calls"));
    ASSERT_FALSE(calls.empty());
    for (const char* field : {"gen_ai.provider.name", "gen_ai.request.model", "status", "latency_ms",
                              "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "cost_usd", "outcome"}) {
      EXPECT_TRUE(find_event(calls, "LLM call")->contains(field)) << field;
    }
    EXPECT_EQ(every_output(dir.path()).find(kKey), std::string::npos) << api << ": the key reached an output file";
  }
}

TEST(DemoHttp, ARejectedKeyHaltsAtOnceNamingProviderAndStatus) {
  TempDir dir;
  RunningStub stub({"--reject-key", kKey, "--latency-ms", "1"});
  Demo demo(dir.path(), {"--leads", "300", "--concurrency", "4", "--llm-url", stub.url() + "/v1", "--log-dir", "logs"},
            {kKeyEnv});
  ASSERT_EQ(demo.wait(20s), 1) << demo.stderr_text();
  EXPECT_NE(demo.stderr_text().find("openai answered HTTP 401"), std::string::npos) << demo.stderr_text();
  EXPECT_LE(stub.stats().value("unauthorized", 0), 4) << "at most the calls in flight when the first 401 came";
  EXPECT_EQ(every_output(dir.path()).find(kKey), std::string::npos);
}

TEST(DemoHttp, AHungProviderIsCutAtTheItemTimeout) {
  TempDir dir;
  RunningStub stub({"--hang-rate", "1"});
  Demo demo(dir.path(), {"--leads", "12", "--concurrency", "4", "--item-timeout", "300ms", "--llm-url",
                         stub.url() + "/v1", "--log-dir", "logs"},
            {kKeyEnv});
  EXPECT_NE(demo.wait(30s), -1);
  std::size_t cut = 0;
  for (const auto& j : json_lines(dated_log(dir / "logs/debug", "api-calls"))) {
    if (j.value("outcome", "") != "cancelled") continue;
    ++cut;
    EXPECT_LE(j.value("latency_ms", 1e9), 300.0 + 100.0) << j.dump();
  }
  EXPECT_GT(cut, 0u);
}

TEST(DemoHttp, SigtermWithCallsInFlightThenResumeChargesNoLeadTwice) {
  TempDir dir;
  RunningStub stub({"--latency-ms", "40"});
  const std::vector<std::string> args = {"--leads", "200", "--concurrency", "4", "--llm-url", stub.url() + "/v1",
                                         "--log-dir", "logs", "--output", "r.csv"};
  {
    Demo first(dir.path(), args, {kKeyEnv});
    const auto mid = wait_progress(dir / "logs/progress/logistics_demo.json", [](const auto& s) {
      return s.status == leadscout::batch::Status::running && s.processed >= 40;
    });
    ASSERT_TRUE(mid) << first.stderr_text();
    ASSERT_EQ(::kill(first.pid(), SIGTERM), 0);
    ASSERT_EQ(first.wait(), 143) << first.stderr_text();
  }
  Demo second(dir.path(), args, {kKeyEnv});
  ASSERT_EQ(second.wait(), 0) << second.stderr_text();
  const auto rows = csv_rows(dir / "r.csv");
  expect_every_lead_once(rows, 200);
  std::map<std::string, int> llm_rows;  // generated names may repeat: count the rows per name
  for (const auto& [id, f] : rows) llm_rows[f[1]] += f[4] == "llm" ? 1 : 0;
  int charged_twice = 0;
  const nlohmann::json stats = stub.stats();  // the loop below iterates into it: keep it alive
  for (const auto& [name, n] : stats.at("answered_by_name").items()) {
    charged_twice += std::max(0, n.get<int>() - llm_rows[name]);
  }
  EXPECT_LE(charged_twice, 4) << "only calls in flight at the signal may be charged again";
}

/// Spends the request bucket of `key` on the stub until it answers 429: the provider is at its
/// limit before the run starts, as when another client shares the key. The number of requests.
int drain(const RunningStub& stub, const std::string& key) {
  auto c = stub.client();
  const httplib::Headers auth = {{"Authorization", "Bearer " + key}};
  const std::string body = R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Name: X"}]})";
  for (int n = 1; n < 100'000; ++n) {
    const auto r = c.Post("/v1/chat/completions", auth, body, "application/json");
    if (!r || r->status == 429) return n;
  }
  return -1;
}

TEST(DemoHttp, A429StormLearnedFromHeadersStaysUnderFivePercent) {
  TempDir dir;
  RunningStub stub({"--rpm", "1200"});  // 20 a second once the minute's burst is spent
  const int drained = drain(stub, kKey);
  ASSERT_GT(drained, 1000);
  Demo demo(dir.path(),
            {"--leads", "160", "--concurrency", "16", "--adaptive", "--llm-url", stub.url() + "/v1", "--log-dir", "logs"},
            {kKeyEnv});
  ASSERT_EQ(demo.wait(60s), 0) << demo.stderr_text();
  const auto stats = stub.stats();
  const double requests = stats.value("requests", 0) - drained;
  const double limited = stats.value("rate_limited", 0) - 1;
  std::printf("demo: %.0f requests, %.0f answered 429\n", requests, limited);
  EXPECT_GT(requests, 60.0);
  EXPECT_LE(limited, 0.05 * requests) << "429s: " << limited << " of " << requests;
}

TEST(DemoHttp, ABudgetStopExits4AndALargerBudgetFinishesWithoutRerunningAnItem) {
  TempDir dir;
  const std::vector<std::string> base = with({"--leads", "200", "--concurrency", "4", "--log-dir", "logs"}, kQuiet);
  Demo first(dir.path(), with(base, {"--budget-usd", "0.001"}));
  ASSERT_EQ(first.wait(), 4) << first.stderr_text();
  Demo second(dir.path(), with(base, {"--budget-usd", "1"}));
  ASSERT_EQ(second.wait(), 0) << second.stderr_text();
  std::map<std::string, int> ok_lines;
  for (const auto& line : read_lines(dir / "logs/progress/logistics_demo.checkpoint.jsonl")) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("status", "") == "ok") ++ok_lines[j.at("id").get<std::string>()];
  }
  EXPECT_EQ(ok_lines.size(), 200u);
  for (const auto& [id, n] : ok_lines) EXPECT_EQ(n, 1) << id;
}

}  // namespace

// demo_500_leads through leadscout::llm against leadscout-llm-stub child processes: HTTPS with
// a throwaway CA, a certificate that does not verify, failover between two stubs, and the exit
// code of a run that completed with failed leads.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "demo_test_utils.hpp"
#include "llm/tls_test_utils.hpp"
#include "running_stub.hpp"

namespace {

namespace fs = std::filesystem;
using leadscout::test::RunningStub;
using leadscout::test::TempDir;
using leadscout::test::llm::TestCa;
using namespace std::chrono_literals;
using namespace leadscout::test::examples;

/// "http://127.0.0.1:PORT" as https.
std::string https(const std::string& url) { return "https" + url.substr(4); }

/// The stub answers only requests that carry a key.
const std::vector<std::string> kKeyEnv = {"OPENAI_API_KEY=sk-test-demo-llm"};

std::vector<std::string> demo_flags(const std::string& llm_url, std::vector<std::string> more = {},
                                    const std::string& concurrency = "4") {
  std::vector<std::string> flags = {"--leads", "60", "--concurrency", concurrency, "--log-dir", "logs", "--llm-url", llm_url};
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

TEST(DemoLlm, HttpsVerifiesWithTheCaFile) {
  TempDir dir;
  const TestCa ca;
  RunningStub stub({"--latency-ms", "1", "--tls-cert", ca.server_cert().string(), "--tls-key", ca.server_key().string()});
  Demo demo(dir.path(), demo_flags(https(stub.url()) + "/v1", {"--ca-file", ca.ca_cert().string()}), kKeyEnv);
  ASSERT_EQ(demo.wait(), 0) << demo.stderr_text();
  expect_every_lead_once(csv_rows(dir / "results/logistics_demo.csv"), 60);
}

TEST(DemoLlm, ACertificateThatDoesNotVerifyHaltsAtTheFirstCall) {
  TempDir dir;
  const TestCa ca;
  RunningStub stub({"--latency-ms", "1", "--tls-cert", ca.server_cert().string(), "--tls-key", ca.server_key().string()});
  Demo demo(dir.path(), demo_flags(https(stub.url()) + "/v1", {}, "1"), kKeyEnv);
  ASSERT_EQ(demo.wait(), 1) << demo.stderr_text();
  const std::string err = demo.stderr_text();
  const std::string host = stub.url().substr(std::string("http://").size());
  EXPECT_NE(err.find(host), std::string::npos) << "names the host: " << err;
  EXPECT_NE(err.find("certificate"), std::string::npos) << "and the verification error: " << err;
  const auto calls = json_lines(dated_log(dir / "logs/debug", "api-calls"));
  EXPECT_EQ(count_events(calls, "LLM call"), 1U) << "one call, no retry";
}

TEST(DemoLlm, FailoverCompletesOnTheSecondEndpointEveryLeadOnce) {
  TempDir dir;
  RunningStub failing({"--latency-ms", "1", "--failure-rate", "1"});
  RunningStub healthy({"--latency-ms", "1"});
  Demo demo(dir.path(), demo_flags(failing.url() + "/v1," + healthy.url() + "/v1",
                                   {"--llm-failure-rate", "0", "--llm-hang-rate", "0"}),
            kKeyEnv);
  ASSERT_EQ(demo.wait(), 0) << demo.stderr_text();
  expect_every_lead_once(csv_rows(dir / "results/logistics_demo.csv"), 60);
  EXPECT_EQ(failing.stats().value("answered", 0), 0);
  EXPECT_GT(healthy.stats().value("answered", 0), 0);
  EXPECT_LE(failing.stats().value("requests", 0), 3 + 4) << "cooling after three failures (plus the calls in flight)";
  const auto api = json_lines(dated_log(dir / "logs/debug", "api-calls"));
  EXPECT_GE(count_events(api, "LLM failover"), 1U);
  const std::string prom = leadscout::test::read_file(dir / "logs/progress/logistics_demo.prom");
  EXPECT_NE(prom.find("leadscout_llm_failovers_total{"), std::string::npos) << prom;
}

TEST(DemoLlm, ARunWithLeadsThatFailedEveryAttemptExitsFive) {
  TempDir dir;
  RunningStub failing({"--latency-ms", "1", "--failure-rate", "1"});
  Demo demo(dir.path(), demo_flags(failing.url() + "/v1", {"--failover-cooldown", "200ms"}), kKeyEnv);
  ASSERT_EQ(demo.wait(120s), 5) << demo.stderr_text();
  Demo clean(dir.path(), {"--leads", "60", "--concurrency", "4", "--log-dir", "logs", "--operation", "clean",
                          "--llm-failure-rate", "0", "--llm-hang-rate", "0", "--llm-latency-ms", "1"});
  EXPECT_EQ(clean.wait(), 0) << clean.stderr_text();
}

}  // namespace

namespace {

TEST(DemoLlm, TheDefaultCacheAnswersAFreshRerunWithoutACall) {
  TempDir dir;
  RunningStub stub({"--latency-ms", "1"});
  Demo first(dir.path(), demo_flags(stub.url() + "/v1"), kKeyEnv);
  ASSERT_EQ(first.wait(), 0) << first.stderr_text();
  const int calls = stub.stats().value("answered", 0);
  ASSERT_GT(calls, 0);
  EXPECT_TRUE(fs::exists(dir / "logs/cache/llm.sqlite")) << "the default: <log-dir>/cache/llm.sqlite";
  Demo again(dir.path(), demo_flags(stub.url() + "/v1", {"--fresh"}), kKeyEnv);
  ASSERT_EQ(again.wait(), 0) << again.stderr_text();
  EXPECT_EQ(stub.stats().value("answered", 0), calls) << "every answer came from the cache";
  EXPECT_EQ(csv_rows(dir / "results/logistics_demo.csv").size(), 60U);
  Demo uncached(dir.path(), demo_flags(stub.url() + "/v1", {"--fresh", "--llm-cache", "off"}), kKeyEnv);
  ASSERT_EQ(uncached.wait(), 0) << uncached.stderr_text();
  EXPECT_GT(stub.stats().value("answered", 0), calls) << "--llm-cache off calls again";
}

}  // namespace

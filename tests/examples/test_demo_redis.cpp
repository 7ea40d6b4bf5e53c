// Four shard processes of demo_500_leads share one provider quota through a real redis-server,
// against leadscout-llm-stub limited to the same rate: few 429s, most of the rate used, every
// lead once in the merged results; and with Redis stopped mid-run, the shards finish on their
// local shares with a warning and no burst of 429s.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "demo_test_utils.hpp"
#include "redis_server.hpp"
#include "running_stub.hpp"

namespace {

namespace fs = std::filesystem;
using leadscout::test::read_file;
using leadscout::test::read_lines;
using leadscout::test::RedisServer;
using leadscout::test::RunningStub;
using leadscout::test::TempDir;
using namespace std::chrono_literals;
using namespace leadscout::test::examples;

constexpr const char* kKey = "sk-test-shared-quota";
constexpr int kShards = 4;
constexpr int kLeads = 1200;
constexpr int kRpm = 2400;  // the stub's limit L and the shared quota: 40 requests a second

/// Spends the stub's request bucket for `key` until it answers 429, so the provider is at its
/// limit when the shards start: any excess of theirs is refused. The number of requests.
int drain(const RunningStub& stub) {
  auto c = stub.client();
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kKey}};
  const std::string body = R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Name: X"}]})";
  for (int n = 1; n < 100'000; ++n) {
    const auto r = c.Post("/v1/chat/completions", auth, body, "application/json");
    if (!r || r->status == 429) return n;
  }
  return -1;
}

/// The four shards, each in a directory of its own under `root`.
std::vector<std::unique_ptr<Demo>> start_shards(const fs::path& root, const RunningStub& stub, const RedisServer& redis) {
  std::vector<std::unique_ptr<Demo>> shards;
  for (int i = 0; i < kShards; ++i) {
    const fs::path dir = root / ("shard-" + std::to_string(i));
    fs::create_directories(dir);
    shards.push_back(std::make_unique<Demo>(
        dir,
        std::vector<std::string>{"--leads", std::to_string(kLeads), "--concurrency", "8", "--rpm", std::to_string(kRpm),
                                 "--llm-url", stub.url() + "/v1", "--log-dir", "logs", "--output", "results.csv"},
        std::vector<std::string>{std::string("OPENAI_API_KEY=") + kKey, "LEADSCOUT_QUOTA_REDIS=" + redis.url(),
                                 "LEADSCOUT_SHARD=" + std::to_string(i) + "/" + std::to_string(kShards)}));
  }
  return shards;
}

/// The stub's requests per second over `window`, from its counters.
double stub_rate(const RunningStub& stub, std::chrono::milliseconds window) {
  const double before = stub.stats().value("requests", 0);
  const auto started = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(window);
  const double after = stub.stats().value("requests", 0);
  return (after - before) / std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

/// Merges the shards' results with leadscout-results and checks that each lead is there once.
void expect_each_lead_once(const fs::path& root) {
  std::string cmd = std::string(LEADSCOUT_RESULTS_BIN) + " merge -o " + (root / "merged.csv").string();
  // Each shard's sink names its file after the shard.
  for (int i = 0; i < kShards; ++i) {
    const std::string file = "results.shard-" + std::to_string(i) + "-of-" + std::to_string(kShards) + ".csv";
    cmd += " " + (root / ("shard-" + std::to_string(i)) / file).string();
  }
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const auto lines = read_lines(root / "merged.csv");
  ASSERT_FALSE(lines.empty());
  std::map<std::string, int> ids;
  for (std::size_t i = 1; i < lines.size(); ++i) ++ids[lines[i].substr(0, lines[i].find(','))];
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kLeads));
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
}

bool redis_build() { return LEADSCOUT_TEST_WITH_REDIS != 0; }

TEST(DemoRedisShards, FourShardsShareTheProvidersLimitWithoutRateLimits) {
  if (!redis_build()) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  TempDir dir;
  RunningStub stub({"--rpm", std::to_string(kRpm)});
  const int drained = drain(stub);
  ASSERT_GT(drained, kRpm / 2);
  std::this_thread::sleep_for(1s);  // the stub refills a second's worth, the shared burst
  auto shards = start_shards(dir.path(), stub, redis);
  std::this_thread::sleep_for(2s);
  const double rate = stub_rate(stub, 6s);
  for (auto& s : shards) ASSERT_EQ(s->wait(60s), 0) << s->stderr_text();
  const auto stats = stub.stats();
  const double requests = stats.value("requests", 0) - drained;
  const double limited = stats.value("rate_limited", 0) - 1;
  std::printf("shared: %.1f requests/s (limit %.1f), %.0f requests, %.0f answered 429\n", rate, kRpm / 60.0, requests,
              limited);
  EXPECT_GE(rate, 0.9 * kRpm / 60.0) << "the shards together use the whole limit, not a quarter each";
  EXPECT_LE(limited, 0.01 * requests) << "429s: " << limited << " of " << requests;
  expect_each_lead_once(dir.path());
}

TEST(DemoRedisShards, RedisStoppedMidRunTheShardsFinishOnTheirSharesWithAWarning) {
  if (!redis_build()) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  TempDir dir;
  RunningStub stub({"--rpm", std::to_string(kRpm)});
  const int drained = drain(stub);
  ASSERT_GT(drained, kRpm / 2);
  std::this_thread::sleep_for(1s);
  auto shards = start_shards(dir.path(), stub, redis);
  std::this_thread::sleep_for(3s);
  redis.stop();
  for (auto& s : shards) ASSERT_EQ(s->wait(60s), 0) << s->stderr_text();
  const auto stats = stub.stats();
  const double requests = stats.value("requests", 0) - drained;
  const double limited = stats.value("rate_limited", 0) - 1;
  std::printf("fallback: %.0f requests, %.0f answered 429\n", requests, limited);
  EXPECT_LE(limited, 0.01 * requests) << "no burst of 429s when the shards fall back";
  for (int i = 0; i < kShards; ++i) {
    std::string text;
    for (const auto& e : fs::recursive_directory_iterator(dir / ("shard-" + std::to_string(i)))) {
      if (e.is_regular_file() && e.path().extension() != ".gz") text += read_file(e.path());
    }
    EXPECT_NE(text.find("Shared quota store lost"), std::string::npos) << "shard " << i << " warned";
  }
  expect_each_lead_once(dir.path());
}

}  // namespace

// The response cache shared: two processes on one SQLite file, and a Redis server that goes
// away and comes back.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "llm_cache_test_utils.hpp"
#include "redis_server.hpp"

namespace {

using namespace leadscout::test::llm;
using namespace std::chrono_literals;
using leadscout::test::RedisServer;
using leadscout::test::TempDir;
using leadscout::test::batch::events;
using leadscout::test::batch::init_logging;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kChildVariable = "LEADSCOUT_TEST_CACHE_CHILD";

/// This test program's path, to run one of its tests as a child process.
std::string self_exe() {
  std::array<char, 4096> path{};
  const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  return n > 0 ? std::string(path.data(), static_cast<std::size_t>(n)) : std::string();
}

/// The shell command of a child that runs a job of `leads` leads with `names` distinct names
/// with the cache file `cache` against `url`, writing its results into `dir`.
std::string child_command(const std::string& url, const fs::path& cache, const fs::path& dir, int leads = 1000,
                          int names = 200) {
  return std::string(kChildVariable) + "='" + std::to_string(leads) + "|" + std::to_string(names) + "|" + url + "|" +
         cache.string() + "|" + dir.string() + "' '" + self_exe() +
         "' --gtest_filter=LlmCacheChild.RunsTheJob > '" + (dir.string() + ".out") + "' 2>&1";
}

/// What a child wrote: its results and figures.
json child_results(const fs::path& dir) {
  std::ifstream in(dir / "results.json");
  return json::parse(in, nullptr, false);
}

/// The cache's warnings in a child's log.
std::string cache_warnings(const fs::path& dir) {
  std::ifstream in(dir / "logs" / "all.log");
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line.find("LLM cache") != std::string::npos) out += line + "\n";
  }
  return out;
}

// Run by the tests below as a child process; skipped otherwise.
TEST(LlmCacheChild, RunsTheJob) {
  const char* spec = std::getenv(kChildVariable);
  if (spec == nullptr) GTEST_SKIP() << "run as a child process by the shared-file tests";
  std::vector<std::string> parts;
  std::stringstream text(spec);
  for (std::string part; std::getline(text, part, '|');) parts.push_back(part);
  ASSERT_EQ(parts.size(), 5U) << spec;
  const fs::path dir = parts[4];
  init_logging(dir);
  lm::Client client = cached_client(parts[2], lm::Cache::sqlite(parts[3]));
  const int leads = std::stoi(parts[0]);
  const JobResult r = run_job(client, dir, leads_with_names(leads, std::stoi(parts[1])));
  ASSERT_EQ(r.succeeded, static_cast<std::uint64_t>(leads));
  std::ofstream(dir / "results.json") << json{{"labels", r.labels}, {"spent_usd", r.spent_usd},
                                              {"hits", r.metrics.contains("llm_cache_hits") ? r.metrics.at("llm_cache_hits") : 0}}.dump();
}

TEST(LlmCacheShared, TwoProcessesShareOneSqliteFile) {
  TempDir dir;
  FakeProvider provider(label_by_name);
  const fs::path cache = dir.path() / "shared" / "llm.sqlite";
  // Two processes at once on one new file: both finish, and between them each name is asked
  // at most twice (they do not wait for each other's calls; SQLite keeps the file whole).
  const std::string both = "(" + child_command(provider.url(), cache, dir.path() / "a", 200, 40) + ") & (" +
                           child_command(provider.url(), cache, dir.path() / "b", 200, 40) + ") & wait";
  ASSERT_EQ(std::system(both.c_str()), 0);
  const json a = child_results(dir.path() / "a");
  const json b = child_results(dir.path() / "b");
  ASSERT_TRUE(a.is_object()) << leadscout::test::read_file(dir.path() / "a.out");
  ASSERT_TRUE(b.is_object()) << leadscout::test::read_file(dir.path() / "b.out");
  EXPECT_EQ(a.at("labels"), b.at("labels"));
  EXPECT_GE(provider.count(), 40U);
  EXPECT_LE(provider.count(), 80U) << cache_warnings(dir.path() / "a") << cache_warnings(dir.path() / "b");
  // A third process after them: every answer is in the file.
  const std::size_t before = provider.count();
  ASSERT_EQ(std::system(child_command(provider.url(), cache, dir.path() / "c", 200, 40).c_str()), 0)
      << leadscout::test::read_file(dir.path() / "c.out");
  const json c = child_results(dir.path() / "c");
  EXPECT_EQ(provider.count(), before) << "no call";
  EXPECT_EQ(c.at("spent_usd"), 0.0);
  EXPECT_EQ(c.at("hits"), 200);
  EXPECT_EQ(c.at("labels"), a.at("labels"));
}

TEST(LlmCacheShared, OneProcessFillsTheFileAndTheNextCallsNothing) {
  TempDir dir;
  FakeProvider provider(label_by_name);
  const fs::path cache = dir.path() / "llm.sqlite";
  ASSERT_EQ(std::system(child_command(provider.url(), cache, dir.path() / "a").c_str()), 0)
      << leadscout::test::read_file(dir.path() / "a.out");
  EXPECT_EQ(provider.count(), 200U);
  ASSERT_EQ(std::system(child_command(provider.url(), cache, dir.path() / "b").c_str()), 0)
      << leadscout::test::read_file(dir.path() / "b.out");
  EXPECT_EQ(provider.count(), 200U);
  EXPECT_EQ(child_results(dir.path() / "b").at("labels"), child_results(dir.path() / "a").at("labels"));
}

TEST(LlmCacheShared, ALostRedisServerFallsBackToCallingWithOneWarningAndComesBack) {
  if (!LEADSCOUT_TEST_WITH_REDIS) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  TempDir dir;
  const auto log = init_logging(dir.path());
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  FakeProvider provider(label_by_name);
  lm::Client client = cached_client(provider.url(), lm::Cache::redis(redis.url()));
  ASSERT_EQ(run_job(client, dir.path() / "1", leads_with_names(10, 5), 1).succeeded, 10U);
  EXPECT_EQ(provider.count(), 5U);
  redis.stop();
  const JobResult lost = run_job(client, dir.path() / "2", leads_with_names(10, 5), 1);
  EXPECT_EQ(lost.succeeded, 10U) << "the run goes on, calling";
  EXPECT_EQ(provider.count(), 15U);
  EXPECT_EQ(events(log, "LLM cache server lost, calling instead").size(), 1U);
  redis.start();  // empty again; entries come back with the server
  std::this_thread::sleep_for(1100ms);  // the reconnect interval
  ASSERT_EQ(run_job(client, dir.path() / "3", leads_with_names(10, 5), 1).succeeded, 10U);
  EXPECT_EQ(provider.count(), 20U) << "stored again once per name";
  EXPECT_EQ(events(log, "LLM cache server back").size(), 1U);
}

}  // namespace

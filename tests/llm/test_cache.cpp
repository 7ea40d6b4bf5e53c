// The response cache through the public API: repeated names call once, a rerun calls none,
// identical requests in flight share one call, SQLite and Redis, several processes, a corrupt
// file, the variable that overrides the option, and the figures a hit leaves.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "llm_cache_test_utils.hpp"
#include "redis_server.hpp"

namespace {

using namespace leadscout::test::llm;
using namespace std::chrono_literals;
using leadscout::test::RedisServer;
using leadscout::test::ScopedEnv;
using leadscout::test::TempDir;
using leadscout::test::batch::events;
using leadscout::test::batch::init_logging;
using nlohmann::json;
namespace fs = std::filesystem;

/// 1,000 leads with 200 distinct names: 200 calls; a second run with a fresh journal: none, the
/// same results, $0.
void expect_rerun_calls_nothing(const lm::Cache& cache, const fs::path& dir) {
  FakeProvider provider(label_by_name);
  const std::vector<Item> leads = leads_with_names(1000, 200);
  lm::Client first = cached_client(provider.url(), cache);
  const JobResult a = run_job(first, dir / "run1", leads);
  ASSERT_EQ(a.succeeded, 1000U);
  EXPECT_EQ(provider.count(), 200U) << "one call per distinct name";
  EXPECT_EQ(a.metrics.at("llm_cache_misses"), 200);
  EXPECT_EQ(a.metrics.at("llm_cache_hits"), 800);
  EXPECT_GT(a.spent_usd, 0.0);
  EXPECT_EQ(a.labels.at("lead-1"), "label-of-NAME 7");

  lm::Client second = cached_client(provider.url(), cache);
  const JobResult b = run_job(second, dir / "run2", leads);
  ASSERT_EQ(b.succeeded, 1000U);
  EXPECT_EQ(provider.count(), 200U) << "the rerun calls nothing";
  EXPECT_EQ(b.labels, a.labels);
  EXPECT_EQ(b.spent_usd, 0.0);
  EXPECT_EQ(b.metrics.at("llm_cache_hits"), 1000);
  EXPECT_NEAR(static_cast<double>(b.metrics.at("llm_cache_saved_usd_micros")), a.spent_usd * 1e6 * 5, 1000.0)
      << "each lead saves its name's call";
}

TEST(LlmCache, SqliteRepeatedNamesCallOnceAndARerunCallsNothing) {
  TempDir dir;
  init_logging(dir.path());
  expect_rerun_calls_nothing(lm::Cache::sqlite((dir.path() / "cache" / "llm.sqlite").string()), dir.path());
}

TEST(LlmCache, RedisRepeatedNamesCallOnceAndARerunCallsNothing) {
  if (!LEADSCOUT_TEST_WITH_REDIS) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  TempDir dir;
  init_logging(dir.path());
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  expect_rerun_calls_nothing(lm::Cache::redis(redis.url()), dir.path());
}

TEST(LlmCache, SixtyFourWorkersOnOneNameMakeOneCall) {
  TempDir dir;
  init_logging(dir.path());
  FakeProvider provider([](const SeenRequest& r, int i) {
    std::this_thread::sleep_for(50ms);  // the others arrive while the first one calls
    return label_by_name(r, i);
  });
  lm::Client client = cached_client(provider.url(), lm::Cache::sqlite((dir.path() / "c.sqlite").string()));
  const JobResult r = run_job(client, dir.path(), leads_with_names(64, 1), 64);
  ASSERT_EQ(r.succeeded, 64U);
  EXPECT_EQ(provider.count(), 1U);
  EXPECT_EQ(r.metrics.at("llm_cache_hits"), 63);
}

TEST(LlmCache, AHitIsFreeMarkedCachedAndLoggedAsCached) {
  TempDir dir;
  const auto log = init_logging(dir.path());
  FakeProvider provider(label_by_name);
  lm::Client client = cached_client(provider.url(), lm::Cache::sqlite((dir.path() / "c.sqlite").string()));
  auto opt = leadscout::test::batch::test_options(dir.path());
  opt.quotas = client.quotas();
  std::vector<lm::Reply> replies;
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(leads_with_names(2, 1), [&](const Item&, lb::Context& ctx) -> lb::Outcome<Label> {
    replies.push_back(client.complete(ctx, lm::Request{.user = "JOHN SMITH", .schema = kLabelSchema}));
    return Label{};
  });
  ASSERT_EQ(summary.succeeded, 2U);
  ASSERT_EQ(replies.size(), 2U);
  EXPECT_FALSE(replies[0].cached());
  EXPECT_GT(replies[0].cost_usd(), 0.0);
  const lm::Reply& hit = replies[1];
  ASSERT_TRUE(hit.ok());
  EXPECT_TRUE(hit.cached());
  EXPECT_EQ(hit.cost_usd(), 0.0);
  EXPECT_EQ(hit.text(), replies[0].text());
  EXPECT_EQ(hit.json(), replies[0].json());
  EXPECT_EQ(hit.model(), "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(hit.usage().input_tokens, 100);
  EXPECT_EQ(hit.usage().output_tokens, 10);
  EXPECT_EQ(summary.quotas.at("openai").granted_total, 1U) << "a hit takes no permit";
  EXPECT_NEAR(summary.quotas.at("openai").spent_usd, replies[0].cost_usd(), 1e-12);
  const auto calls = events(log, "LLM call");
  ASSERT_EQ(calls.size(), 2U);
  EXPECT_EQ(calls[1].at("outcome"), "cached");
  EXPECT_EQ(calls[1].at("cost_usd"), 0.0);
  const std::string prom = leadscout::test::read_file(dir.path() / "progress" / "test_op.prom");
  EXPECT_NE(prom.find("leadscout_llm_cache_hits_total{"), std::string::npos) << prom;
  EXPECT_NE(prom.find("leadscout_llm_cache_misses_total{"), std::string::npos) << prom;
  EXPECT_NE(prom.find("leadscout_llm_cache_saved_usd_total{"), std::string::npos) << prom;
  const json progress = json::parse(leadscout::test::read_file(dir.path() / "progress" / "test_op.json"));
  EXPECT_EQ(progress.at("metrics").at("llm_cache_hits"), 1);
}

TEST(LlmCache, SchemaKeysInAnotherOrderHitTheSameEntry) {
  TempDir dir;
  init_logging(dir.path());
  FakeProvider provider(label_by_name);
  lm::Client client = cached_client(provider.url(), lm::Cache::sqlite((dir.path() / "c.sqlite").string()));
  const std::string reordered =
      R"({ "additionalProperties": false, "required": ["label", "confidence"], "type": "object",
           "properties": {"confidence": {"type": "number"}, "label": {"type": "string"}}})";
  auto opt = leadscout::test::batch::test_options(dir.path());
  opt.quotas = client.quotas();
  std::vector<bool> cached;
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(leads_with_names(2, 1), [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Label> {
    const std::string& schema = item.id == "lead-0" ? kLabelSchema : reordered;
    const lm::Reply reply = client.complete(ctx, lm::Request{.user = "JOHN SMITH", .schema = schema, .max_tokens = 64});
    cached.push_back(reply.cached());
    return Label{};
  });
  ASSERT_EQ(summary.succeeded, 2U);
  EXPECT_EQ(provider.count(), 1U);
  EXPECT_EQ(cached, (std::vector<bool>{false, true}));
}

TEST(LlmCache, HigherTemperaturesAreNeitherReadNorStoredUnlessAsked) {
  TempDir dir;
  init_logging(dir.path());
  FakeProvider provider(label_by_name);
  const auto ask_twice = [&](lm::Client& client, const fs::path& run) {
    auto opt = leadscout::test::batch::test_options(run);
    opt.quotas = client.quotas();
    lb::BackgroundProcessor<Item, Label> proc(opt);
    (void)proc.run(leads_with_names(2, 1), [&](const Item&, lb::Context& ctx) -> lb::Outcome<Label> {
      (void)client.complete(ctx, lm::Request{.user = "JOHN SMITH", .schema = kLabelSchema, .temperature = 0.7});
      return Label{};
    });
  };
  lm::Client zero_only = cached_client(provider.url(), lm::Cache::sqlite((dir.path() / "a.sqlite").string()));
  ask_twice(zero_only, dir.path() / "a");
  EXPECT_EQ(provider.count(), 2U);
  lm::Client any = cached_client(provider.url(), lm::Cache::sqlite((dir.path() / "b.sqlite").string(),
                                                                   {.temperature_zero_only = false}));
  ask_twice(any, dir.path() / "b");
  EXPECT_EQ(provider.count(), 3U);
}

TEST(LlmCache, ACorruptFileIsMovedAsideWithAWarningAndTheRunGoesOn) {
  TempDir dir;
  const auto log = init_logging(dir.path());
  const fs::path file = dir.path() / "llm.sqlite";
  const std::string garbage(4096, 'x');
  std::ofstream(file, std::ios::binary) << garbage;
  FakeProvider provider(label_by_name);
  lm::Client client = cached_client(provider.url(), lm::Cache::sqlite(file.string()));
  const JobResult r = run_job(client, dir.path(), leads_with_names(10, 2));
  EXPECT_EQ(r.succeeded, 10U);
  EXPECT_EQ(provider.count(), 2U) << "the new cache works";
  const auto warnings = events(log, "LLM cache file unusable, moved aside");
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0].at("level"), "warning");
  EXPECT_EQ(warnings[0].at("path"), file.string());
  const fs::path aside = warnings[0].at("moved_to").get<std::string>();
  EXPECT_EQ(aside.parent_path(), file.parent_path());
  EXPECT_EQ(leadscout::test::read_file(aside), garbage) << "the old file is kept aside";
}

TEST(LlmCache, TheVariableOverridesTheOptionAndABadValueNamesIt) {
  TempDir dir;
  const lm::Endpoint endpoint{.base_url = "http://127.0.0.1:9/v1", .model = "gpt-4o-mini"};
  {
    const ScopedEnv env("LEADSCOUT_LLM_CACHE", "off");
    const lm::Client client({.endpoints = {endpoint}, .cache = lm::Cache::sqlite((dir.path() / "x.sqlite").string())});
    EXPECT_FALSE(client.options().cache);
  }
  {
    const std::string path = (dir.path() / "env.sqlite").string();
    const ScopedEnv env("LEADSCOUT_LLM_CACHE", ("sqlite:" + path).c_str());
    const lm::Client client({.endpoints = {endpoint}, .cache = lm::Cache::sqlite("ignored.sqlite", {.ttl = 1h})});
    EXPECT_EQ(client.options().cache.kind(), lm::Cache::Kind::sqlite);
    EXPECT_EQ(client.options().cache.location(), path);
    EXPECT_EQ(client.options().cache.options().ttl, std::chrono::seconds(3600)) << "the options carry over";
    EXPECT_TRUE(fs::exists(path));
  }
  for (const char* bad : {"memcached://x", "sqlite:", "redis://"}) {
    const ScopedEnv env("LEADSCOUT_LLM_CACHE", bad);
    try {
      const lm::Client client({.endpoints = {endpoint}});
      ADD_FAILURE() << bad << " was accepted";
    } catch (const leadscout::Error& e) {
      EXPECT_NE(std::string(e.what()).find("LEADSCOUT_LLM_CACHE"), std::string::npos) << e.what();
    }
  }
}

TEST(LlmCache, DefaultsAreThirtyDaysOneGibibyteAndTemperatureZeroOnly) {
  const lm::CacheOptions o;
  EXPECT_EQ(o.ttl, std::chrono::hours(24 * 30));
  EXPECT_EQ(o.max_bytes, std::uint64_t{1} << 30);
  EXPECT_TRUE(o.temperature_zero_only);
  EXPECT_FALSE(lm::Cache());
  EXPECT_FALSE(lm::ClientOptions().cache);
}

}  // namespace

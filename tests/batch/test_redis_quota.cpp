// Quotas shared between processes through Redis: the URL, the errors at start, and two or more
// quota users (each with its own connection, as shards have) against a real redis-server.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <leadscout/batch/clock.hpp>
#include <leadscout/batch/options.hpp>
#include <leadscout/batch/quota.hpp>
#include <leadscout/log/logger.hpp>

#include "output/files.hpp"
#include "promtool.hpp"
#include "quota/quota_shared.hpp"
#include "quota/quota_state.hpp"
#include "redis_server.hpp"
#include "utils.hpp"

namespace lb = leadscout::batch;
namespace lbd = leadscout::batch::detail;
using leadscout::test::RedisServer;
using namespace std::chrono_literals;

namespace {

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const lb::Error& e) {
    return e.what();
  }
  return {};
}

/// A shard's store: its own connection, and its reservations expiring `ttl` after its last
/// heartbeat.
std::shared_ptr<lbd::SharedQuotaStore> shard_store(const RedisServer& redis,
                                                   std::chrono::milliseconds ttl = lbd::default_reservation_ttl) {
  const auto address = lbd::parse_redis_url(redis.url(), lbd::quota_redis_variable);
  return lbd::connect_redis(address, lbd::quota_redis_variable, leadscout::log::get("test"), ttl);
}

/// A shard's quota: its own connection, sharing `quota` of operation "op" with the others.
std::shared_ptr<lbd::QuotaState> shard_quota(const RedisServer& redis, const lb::Quota& quota, std::uint32_t shards,
                                             int concurrency = 4,
                                             std::chrono::milliseconds ttl = lbd::default_reservation_ttl) {
  auto store = shard_store(redis, ttl);
  return std::make_shared<lbd::QuotaState>(quota, concurrency, lb::system_clock(), store->quota("op", quota.name),
                                           shards);
}

/// Permits granted by `threads` workers of every state within `duration`, each settled at once.
int grant_for(const std::vector<std::shared_ptr<lbd::QuotaState>>& states, std::chrono::milliseconds duration,
              int threads_each = 2) {
  std::atomic<int> granted{0};
  std::stop_source stop;
  std::vector<std::jthread> threads;
  for (const auto& s : states) {
    for (int i = 0; i < threads_each; ++i) {
      threads.emplace_back([&granted, &stop, s] {
        while (!stop.stop_requested()) {
          lb::Permit p = s->acquire(lb::Usage{.tokens = 10, .cost_usd = 0}, stop.get_token());
          if (!p) return;
          ++granted;
          p.settle(lb::Usage{.tokens = 10, .cost_usd = 0});
        }
      });
    }
  }
  std::this_thread::sleep_for(duration);
  stop.request_stop();
  threads.clear();
  return granted.load();
}

/// The operation's spend as its shards' journals hold it: the sum of the spend their progress
/// files report (each shard's earlier runs included), one directory per shard under `root`.
double journaled_spend(const std::filesystem::path& root, int shards) {
  double total = 0;
  for (int i = 0; i < shards; ++i) {
    for (const auto& e : std::filesystem::directory_iterator(root / ("shard-" + std::to_string(i)))) {
      const std::string name = e.path().filename().string();
      if (!name.starts_with("quota_child") || e.path().extension() != ".json") continue;
      const lb::ProgressSnapshot p = lb::read_progress(e.path());
      if (const auto q = p.quotas.find("llm"); q != p.quotas.end()) total += q->second.spent_usd;
    }
  }
  return total;
}

/// True once `file` has a line, within `limit`.
bool wait_for_line(const std::filesystem::path& file, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (leadscout::test::read_file(file).find('\n') != std::string::npos) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

}  // namespace

TEST(BatchRedisUrl, ParsesHostPortAndDatabase) {
  const auto a = lbd::parse_redis_url("redis://127.0.0.1:6390/3", "V");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 6390);
  EXPECT_EQ(a.db, 3);
  const auto b = lbd::parse_redis_url("redis://cache.internal", "V");
  EXPECT_EQ(b.host, "cache.internal");
  EXPECT_EQ(b.port, 6379);
  EXPECT_EQ(b.db, 0);
}

TEST(BatchRedisUrl, ErrorsNameTheVariableAndTheBadPart) {
  const auto check = [](const char* url, const char* part) {
    const std::string e = error_of([&] { (void)lbd::parse_redis_url(url, "LEADSCOUT_QUOTA_REDIS"); });
    EXPECT_NE(e.find("LEADSCOUT_QUOTA_REDIS"), std::string::npos) << url << ": " << e;
    EXPECT_NE(e.find(part), std::string::npos) << url << ": " << e;
  };
  check("http://127.0.0.1:6379/0", "http://127.0.0.1:6379/0");
  check("redis://127.0.0.1:port/0", "\"port\"");
  check("redis://127.0.0.1:70000/0", "\"70000\"");
  check("redis://127.0.0.1:6379/x", "\"x\"");
  check("redis://:6379/0", "expected a host name");
  check("redis://user:pw@127.0.0.1:6379", "not supported");
}

TEST(BatchRedisUrl, WithoutRedisSupportTheVariableIsAClearError) {
  if (lbd::redis_supported()) GTEST_SKIP() << "this build has Redis support";
  const leadscout::test::ScopedEnv env("LEADSCOUT_QUOTA_REDIS", "redis://127.0.0.1:6379/0");
  const std::string e = error_of([] { (void)lbd::shared_store_from_env(leadscout::log::get("test")); });
  EXPECT_NE(e.find("LEADSCOUT_QUOTA_REDIS"), std::string::npos) << e;
  EXPECT_NE(e.find("no Redis support"), std::string::npos) << e;
}

TEST(BatchRedisUrl, UnsetOrEmptyVariableMeansNoSharedStore) {
  const leadscout::test::ScopedEnv env("LEADSCOUT_QUOTA_REDIS", "");
  EXPECT_EQ(lbd::shared_store_from_env(leadscout::log::get("test")), nullptr);
}

TEST(BatchRedisQuota, UnreachableServerAtStartIsAnErrorNamingTheVariableAndAddress) {
  if (!lbd::redis_supported()) GTEST_SKIP() << "this build has no Redis support";
  const int port = RedisServer::free_port();
  const std::string url = "redis://127.0.0.1:" + std::to_string(port) + "/0";
  const leadscout::test::ScopedEnv env("LEADSCOUT_QUOTA_REDIS", url.c_str());
  const std::string e = error_of([] { (void)lbd::shared_store_from_env(leadscout::log::get("test")); });
  EXPECT_NE(e.find("LEADSCOUT_QUOTA_REDIS"), std::string::npos) << e;
  EXPECT_NE(e.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << e;
}

TEST(BatchRedisQuota, ShardsTogetherStayWithinTheWholeRate) {
  if (!lbd::redis_supported()) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  // 1200 a minute: 20 a second, 20 at once. Three shards share it, each believing it is one of
  // three (the share applies only without the store).
  const lb::Quota q{.name = "llm", .requests_per_minute = 1200, .max_in_flight = 4};
  std::vector<std::shared_ptr<lbd::QuotaState>> shards;
  for (int i = 0; i < 3; ++i) shards.push_back(shard_quota(redis, q, 3));
  const auto started = std::chrono::steady_clock::now();
  const int granted = grant_for(shards, 1500ms);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LE(granted, 20 + static_cast<int>(20 * seconds) + 2);
  // The whole rate is used, not a third of it.
  EXPECT_GE(granted, static_cast<int>(20 * 1.5 * 0.8));
  const lb::QuotaReport report = shards[0]->snapshot();
  ASSERT_TRUE(report.shared.has_value());
  EXPECT_EQ(report.shared->backend, "redis");
  EXPECT_TRUE(report.shared->connected);
  EXPECT_GE(report.shared->requests_last_minute, report.granted_total);
}

TEST(BatchRedisQuota, TheBudgetIsTheOperationsNotEachShards) {
  if (!lbd::redis_supported()) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  const lb::Quota q{.name = "llm", .max_in_flight = 1, .budget_usd = 1.0};
  auto a = shard_quota(redis, q, 2);
  auto b = shard_quota(redis, q, 2);
  int granted = 0;
  for (int i = 0; i < 20; ++i) {
    auto& s = i % 2 == 0 ? a : b;
    lb::Permit p = s->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.1});
    if (!p) {
      EXPECT_EQ(p.failure().reason, "budget_exhausted");
      break;
    }
    ++granted;
    p.settle(lb::Usage{.tokens = 1, .cost_usd = 0.1});
  }
  EXPECT_EQ(granted, 10);  // one dollar in all, not one each
  EXPECT_NEAR(std::max(a->snapshot().shared->spent_usd, b->snapshot().shared->spent_usd), 1.0, 0.11);
}

TEST(BatchRedisQuota, ARateLimitSeenByOneShardCoolsTheOthers) {
  if (!lbd::redis_supported()) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  const lb::Quota q{.name = "llm"};
  auto a = shard_quota(redis, q, 2);
  auto b = shard_quota(redis, q, 2);
  {
    lb::Permit warm = b->acquire(lb::Usage{.tokens = 1});
    warm.settle(lb::Usage{.tokens = 1});
  }
  const int limit_before = b->snapshot().in_flight_limit;
  lb::Permit p = a->acquire(lb::Usage{.tokens = 1});
  ASSERT_TRUE(p);
  (void)p.rate_limited(600ms);
  const auto started = std::chrono::steady_clock::now();
  lb::Permit q2 = b->acquire(lb::Usage{.tokens = 1});
  ASSERT_TRUE(q2);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 450ms);
  q2.settle(lb::Usage{.tokens = 1});
  // The adaptive in-flight limit of the other shard shrank too.
  EXPECT_LT(b->snapshot().in_flight_limit, limit_before);
}

TEST(BatchRedisQuota, ALostServerFallsBackToTheLocalShareAndReturns) {
  if (!lbd::redis_supported()) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  // 1200 a minute in all; two shards, so 600 a minute (10 a second) each while Redis is lost.
  const lb::Quota q{.name = "llm", .requests_per_minute = 1200, .max_in_flight = 4};
  std::vector<std::shared_ptr<lbd::QuotaState>> shards{shard_quota(redis, q, 2), shard_quota(redis, q, 2)};
  EXPECT_GT(grant_for(shards, 300ms), 0);
  redis.stop();
  const auto started = std::chrono::steady_clock::now();
  const int during = grant_for(shards, 1500ms);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // No overrun: each local share starts empty and refills at half the rate.
  EXPECT_LE(during, static_cast<int>(20 * seconds) + 2);
  EXPECT_GT(during, 0);
  for (const auto& s : shards) {
    const lb::QuotaReport r = s->snapshot();
    ASSERT_TRUE(r.shared.has_value());
    EXPECT_FALSE(r.shared->connected);
    EXPECT_EQ(r.shared->fallbacks, 1U);
  }
  redis.start();
  ASSERT_TRUE(redis.running());
  // Reconnection is tried at most once a second.
  (void)grant_for(shards, 2500ms);
  for (const auto& s : shards) {
    const lb::QuotaReport r = s->snapshot();
    EXPECT_TRUE(r.shared->connected);
    EXPECT_EQ(r.shared->fallbacks, 1U);
    EXPECT_GT(r.shared->requests_last_minute, 0);
  }
}

TEST(BatchRedisUrl, ReservationTtlIsPositiveSecondsAndErrorsNameTheVariable) {
  EXPECT_EQ(lbd::parse_reservation_ttl("2.5"), 2500ms);
  EXPECT_EQ(lbd::parse_reservation_ttl("10"), 10s);
  for (const char* bad : {"0", "-1", "x", "", "1e9"}) {
    const std::string e = error_of([&] { (void)lbd::parse_reservation_ttl(bad); });
    EXPECT_NE(e.find("LEADSCOUT_QUOTA_REDIS_RESERVATION_TTL"), std::string::npos) << bad << ": " << e;
  }
}

TEST(BatchRedisQuota, AnotherShardsPermitsInFlightHoldTheirCostOfTheBudget) {
  if (!lbd::redis_supported()) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  // A short TTL: a live shard's heartbeat keeps its reservations well past it.
  const lb::Quota q{.name = "llm", .max_in_flight = 2, .budget_usd = 1.0};
  auto a = shard_quota(redis, q, 2, 4, 600ms);
  auto b = shard_quota(redis, q, 2, 4, 600ms);
  lb::Permit held = a->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.6});
  ASSERT_TRUE(held);
  std::stop_source stop;
  std::jthread stopper([&stop] {
    std::this_thread::sleep_for(1200ms);  // twice the TTL
    stop.request_stop();
  });
  lb::Permit refused = b->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.6}, stop.get_token());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.failure().reason, "stopping") << "it waited for the reservation, which never expired";
  const lb::QuotaReport waiting = b->snapshot();
  ASSERT_TRUE(waiting.shared.has_value());
  EXPECT_NEAR(waiting.shared->reserved_usd, 0.6, 1e-9) << "the other shard's reservation, as the store said";
  EXPECT_FALSE(waiting.budget_exhausted);
  // Settled for less than its estimate: the rest of the budget is free again.
  held.settle(lb::Usage{.tokens = 1, .cost_usd = 0.3});
  lb::Permit granted = b->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.6});
  ASSERT_TRUE(granted);
  EXPECT_NEAR(b->snapshot().shared->reserved_usd, 0.6, 1e-9);
  granted.settle(lb::Usage{.tokens = 1, .cost_usd = 0.6});
  lb::Permit over = a->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.2});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.failure().reason, "budget_exhausted");
  EXPECT_NEAR(a->snapshot().shared->spent_usd, 0.9, 1e-9);
  EXPECT_NEAR(a->snapshot().shared->reserved_usd, 0.0, 1e-9);
}

TEST(BatchRedisQuota, ADeadShardsReservationsExpireAfterTheirTtl) {
  if (!lbd::redis_supported()) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  const lb::Quota q{.name = "llm", .max_in_flight = 2, .budget_usd = 1.0};
  {
    // A shard that reserves and dies: its store (and heartbeat) goes, its reservation stays.
    auto dead = shard_store(redis, 300ms);
    const lbd::SharedTake t = dead->quota("op", "llm")->take(q, 1, 0.6, lbd::SharedHolding{});
    ASSERT_EQ(t.status, lbd::SharedTake::Status::granted);
    EXPECT_NEAR(t.reserved_usd, 0.6, 1e-9);
  }
  auto live = shard_quota(redis, q, 2, 4, 300ms);
  const auto started = std::chrono::steady_clock::now();
  lb::Permit p = live->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.6});
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(p);
  EXPECT_GE(waited, 150ms) << "held back while the dead shard's reservation lived";
  EXPECT_LT(waited, 2s) << "and no longer than about its TTL";
  p.settle(lb::Usage{.tokens = 1, .cost_usd = 0.6});
  lb::Permit rest = live->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.4});
  EXPECT_TRUE(rest) << "the dead shard's reservation was never spend";
  EXPECT_NEAR(live->snapshot().shared->spent_usd, 0.6, 1e-9);
}

TEST(BatchRedisQuota, AResumeAfterTheHashExpiredCountsAtLeastTheShardsOwnJournaledSpend) {
  if (!lbd::redis_supported()) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  RedisServer redis;  // empty: as after the hash's expiry
  ASSERT_TRUE(redis.running());
  const lb::Quota q{.name = "llm", .max_in_flight = 2, .budget_usd = 1.0};
  auto resumed = shard_quota(redis, q, 2);
  resumed->add_prior_usage(lb::Usage{.tokens = 10, .cost_usd = 0.8});  // what its journal holds
  lb::Permit over = resumed->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.3});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.failure().reason, "budget_exhausted");
  auto other = shard_quota(redis, q, 2);  // a shard with no journaled spend counts only Redis's
  lb::Permit fits = other->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.3});
  EXPECT_TRUE(fits);
}

TEST(BatchRedisQuota, TheSharedFiguresAreInThePrometheusExposition) {
  if (!lbd::redis_supported()) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  const lb::Quota q{.name = "llm", .max_in_flight = 2, .budget_usd = 2.0};
  auto a = shard_quota(redis, q, 2);
  auto b = shard_quota(redis, q, 2);
  lb::Permit spent = a->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.5});
  spent.settle(lb::Usage{.tokens = 1, .cost_usd = 0.5});
  lb::Permit held = a->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.25});
  lb::Permit mine = b->acquire(lb::Usage{.tokens = 1, .cost_usd = 0.125});
  ASSERT_TRUE(held && mine);
  lb::ProgressSnapshot s;
  s.operation = "op";
  s.quotas.emplace("llm", b->snapshot());
  s.quotas.emplace("local", lbd::QuotaState(lb::Quota{.name = "local"}, 1, lb::system_clock()).snapshot());
  const std::string text = lbd::prometheus_text(s, {}, 0);
  const auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
  EXPECT_TRUE(has(R"(leadscout_quota_shared_spent_usd{operation="op",quota="llm"} 0.5)")) << text;
  EXPECT_TRUE(has(R"(leadscout_quota_shared_reserved_usd{operation="op",quota="llm"} 0.375)")) << text;
  EXPECT_TRUE(has(R"(leadscout_quota_shared_budget_usd{operation="op",quota="llm"} 2)")) << text;
  EXPECT_EQ(text.find(R"(leadscout_quota_shared_spent_usd{operation="op",quota="local"})"), std::string::npos)
      << "a quota of this process alone has no shared figures";
  const auto promtool = leadscout::test::find_promtool();
  ASSERT_FALSE(promtool.empty()) << leadscout::test::kPromtoolMissing;
  const leadscout::test::TempDir dir;
  const std::filesystem::path file = dir.path() / "shared.prom";
  std::ofstream(file) << text;
  const auto check = leadscout::test::promtool_check_metrics(promtool, file, dir.path());
  EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << text;
  held.settle(lb::Usage{.tokens = 1, .cost_usd = 0.25});
  mine.settle(lb::Usage{.tokens = 1, .cost_usd = 0.125});
}

TEST(BatchRedisQuotaProcess, AShardKilledHoldingReservationsAndRestartedLeavesTheBudgetHeld) {
  if (!lbd::redis_supported()) GTEST_SKIP() << "this build has no Redis support";
  LEADSCOUT_REQUIRE_REDIS_SERVER();
  RedisServer redis;
  ASSERT_TRUE(redis.running());
  const leadscout::test::TempDir root;
  constexpr int kShards = 4;
  constexpr double kBudget = 0.5;  // fifty $0.01 calls of 100 ms, four workers a shard
  constexpr double kCall = 0.01;
  const leadscout::test::ScopedEnv url("LEADSCOUT_QUOTA_REDIS", redis.url().c_str());
  const leadscout::test::ScopedEnv ttl("LEADSCOUT_QUOTA_REDIS_RESERVATION_TTL", "1");
  const auto start = [&](int i) {
    const std::filesystem::path dir = root.path() / ("shard-" + std::to_string(i));
    std::filesystem::create_directories(dir);
    const std::string shard = std::to_string(i) + "/" + std::to_string(kShards);
    const leadscout::test::ScopedEnv spec("LEADSCOUT_SHARD", shard.c_str());
    return std::make_unique<leadscout::test::ChildProcess>(
        std::vector<std::string>{QUOTA_CHILD, dir.string(), "400", "budget", "0.5", "100"}, dir);
  };
  std::vector<std::unique_ptr<leadscout::test::ChildProcess>> shards;
  for (int i = 0; i < kShards; ++i) shards.push_back(start(i));
  // Shard 0 is killed inside its first calls, holding their reservations, and started again.
  ASSERT_TRUE(wait_for_line(root.path() / "shard-0" / "calls.txt", 10s));
  shards[0]->signal(SIGKILL);
  EXPECT_EQ(shards[0]->wait(5s), 128 + SIGKILL);
  shards[0] = start(0);
  for (int i = 0; i < kShards; ++i) {
    const int code = shards[i]->wait(30s);
    EXPECT_TRUE(code == 0 || code == 4) << "shard " << i << " exit " << code << ": " << shards[i]->err();
  }
  const double spent = journaled_spend(root.path(), kShards);
  std::printf("journaled spend: %.4f of a %.2f budget\n", spent, kBudget);
  EXPECT_LE(spent, kBudget + kShards * kCall + 1e-9) << "the operation's spend, every shard's journal";
  EXPECT_GE(spent, kBudget - kShards * kCall - 1e-9) << "and the budget was used";
}

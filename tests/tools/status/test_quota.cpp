// leadscout-status and provider quotas: the real binary on progress files with a `quotas`
// object — spend and rate-limit columns, their JSON, shards summed, and the budget check — and
// the sums of the core.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "quota.hpp"
#include "status_test_utils.hpp"
#include "utils.hpp"

namespace lt = leadscout::test;
namespace lb = leadscout::batch;
namespace ls = leadscout::status;
using lt::status::fixed_now_text;
using lt::status::RunResult;
using lt::status::snapshot;

namespace {

/// A quota `spent` of `budget` dollars (0: no budget).
lb::QuotaReport quota(double spent, double budget) {
  lb::QuotaReport q;
  q.configured_rpm = 500;
  q.requests_last_minute = 120;
  q.tokens_last_minute = 48000;
  q.in_flight = 4;
  q.in_flight_limit = 16;
  q.rate_limited_total = 3;
  q.granted_total = 300;
  q.tokens_total = 150000;
  q.spent_usd = spent;
  q.budget_usd = budget;
  return q;
}

double unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

class StatusQuota : public ::testing::Test {
 protected:
  RunResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--dir", progress_.string(), "--now", fixed_now_text});
    return lt::status::run_tool(args, work_.path());
  }
  void write(const lb::ProgressSnapshot& s) { lt::status::write_progress(progress_, s); }

  static lb::ProgressSnapshot with(lb::ProgressSnapshot s, const std::string& name, lb::QuotaReport q) {
    s.quotas[name] = q;
    return s;
  }
  static lb::ProgressSnapshot sharded(lb::ProgressSnapshot s, std::uint32_t index, std::uint32_t count) {
    s.shard = lb::ShardSpec{index, count};
    return s;
  }
  static bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

  lt::TempDir dir_;
  lt::TempDir work_;
  std::filesystem::path progress_ = dir_ / "progress";
  void SetUp() override { std::filesystem::create_directories(progress_); }
};

}  // namespace

TEST_F(StatusQuota, WithoutQuotasThereAreNoQuotaColumns) {
  write(snapshot("logistics_demo", lb::Status::running, 120, 500));
  const auto table = run({});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const auto lines = lt::split_lines(table.out);
  ASSERT_EQ(lines.size(), 2u) << table.out;
  EXPECT_TRUE(lines[0].ends_with("HEARTBEAT  PID")) << lines[0];
  EXPECT_FALSE(has(table.out, "SPEND"));
  const auto j = nlohmann::json::parse(run({"--json"}).out);
  EXPECT_EQ(j["operations"][0]["quotas"], nlohmann::json::object());
  EXPECT_EQ(run({"--check"}).exit_code, 0);
}

TEST_F(StatusQuota, TableShowsSpendRateLimitsInFlightAndCooldown) {
  auto q = quota(1.25, 5.0);
  q.cooldown_seconds = 20;  // at the write; cooldown_until says what is left now
  q.cooldown_until = unix_seconds(lt::status::fixed_now()) + 12;
  write(with(snapshot("logistics_demo", lb::Status::running, 120, 500), "openai", q));
  write(snapshot("nightly_import", lb::Status::completed, 5, 5));
  const auto r = run({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lt::split_lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  for (const char* h : {"SPEND", "429", "IN-FLIGHT", "COOLDOWN"}) EXPECT_TRUE(has(lines[0], h)) << h;
  for (const char* part : {"logistics_demo", "$1.25/$5.00 (25.0%)", "  3  ", "4/16", "12s"}) {
    EXPECT_TRUE(has(lines[1], part)) << part << " in " << lines[1];
  }
  EXPECT_TRUE(std::regex_search(lines[2], std::regex(R"(alive +- +- +- +-$)"))) << "no quota: dashes: " << lines[2];
  EXPECT_EQ(run({"--check"}).exit_code, 0);  // 25 % of the budget is fine
}

TEST_F(StatusQuota, SeveralQuotasGetALineEach) {
  auto s = with(snapshot("logistics_demo", lb::Status::running, 120, 500), "openai", quota(1.0, 4.0));
  s = with(s, "anthropic", quota(0.5, 0.0));
  write(s);
  const auto lines = lt::split_lines(run({}).out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(has(lines[1], "$1.50 ")) << "together, without a budget (one quota has none): " << lines[1];
  EXPECT_TRUE(has(lines[1], "  6  ")) << lines[1];
  EXPECT_TRUE(has(lines[1], "8/32")) << lines[1];
  EXPECT_EQ(lines[2].rfind("  quota anthropic", 0), 0u) << lines[2];
  EXPECT_TRUE(has(lines[2], "$0.5000")) << lines[2];
  EXPECT_EQ(lines[3].rfind("  quota openai", 0), 0u) << lines[3];
  EXPECT_TRUE(has(lines[3], "$1.00/$4.00 (25.0%)")) << lines[3];
}

TEST_F(StatusQuota, CheckWarnsAtEightyPercentOfTheBudget) {
  write(with(snapshot("logistics_demo", lb::Status::running, 120, 500), "openai", quota(3.99, 5.0)));
  auto r = run({"--check"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  write(with(snapshot("logistics_demo", lb::Status::running, 120, 500), "openai", quota(4.0, 5.0)));
  r = run({"--check"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(r.out, "LEADSCOUT WARNING - logistics_demo quota openai spent $4.00 of $5.00 (80.0%), warning at 80.0%\n");
}

TEST_F(StatusQuota, CheckIsCriticalWhenTheBudgetIsExhausted) {
  auto q = quota(5.0, 5.0);
  q.budget_exhausted = true;
  auto s = with(snapshot("logistics_demo", lb::Status::budget_exhausted, 400, 500), "openai", q);
  s.reason = "budget exhausted";
  write(s);
  auto r = run({"--check"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(r.out.rfind("LEADSCOUT CRITICAL - logistics_demo quota openai budget exhausted: "
                        "spent $5.00 of $5.00 (100.0%)",
                        0),
            0u)
      << r.out;

  // The status alone (the flag not set): the quotas with a budget are named.
  q.budget_exhausted = false;
  q.spent_usd = 4.999;
  write(with(s, "openai", q));
  r = run({"--check"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(has(r.out, "logistics_demo stopped: budget exhausted (quota openai spent $5.00 of $5.00")) << r.out;

  const auto table = run({});
  EXPECT_TRUE(has(table.out, "budget_exhausted")) << table.out;
}

TEST_F(StatusQuota, ShardsSumSpendAndBudget) {
  auto a = quota(2.1, 2.5);
  auto b = quota(2.1, 2.5);
  b.rate_limited_total = 5;
  b.cooldown_until = unix_seconds(lt::status::fixed_now()) + 30;
  write(with(sharded(snapshot("logistics_demo", lb::Status::running, 100, 250), 0, 2), "openai", a));
  write(with(sharded(snapshot("logistics_demo", lb::Status::running, 100, 250), 1, 2), "openai", b));

  auto r = run({"--shards"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lt::split_lines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  for (const char* part : {"$4.20/$5.00 (84.0%)", "  8  ", "8/32", "30s"}) {
    EXPECT_TRUE(has(lines[1], part)) << part << " in " << lines[1];
  }
  EXPECT_TRUE(has(lines[2], "$2.10/$2.50 (84.0%)")) << lines[2];
  EXPECT_TRUE(lines[2].ends_with("-")) << "shard 0 has no cooldown: " << lines[2];
  EXPECT_TRUE(has(lines[3], "30s")) << lines[3];

  const auto j = nlohmann::json::parse(run({"--json"}).out);
  const auto& q = j["operations"][0]["quotas"]["openai"];
  EXPECT_DOUBLE_EQ(q["spent_usd"].get<double>(), 4.2);
  EXPECT_DOUBLE_EQ(q["budget_usd"].get<double>(), 5.0);
  EXPECT_NEAR(q["budget_fraction"].get<double>(), 0.84, 1e-9);
  EXPECT_EQ(q["rate_limited_total"], 8);
  EXPECT_EQ(q["in_flight"], 8);
  EXPECT_EQ(q["in_flight_limit"], 32);
  EXPECT_DOUBLE_EQ(q["cooldown_seconds"].get<double>(), 30.0);
  EXPECT_EQ(q["budget_exhausted"], false);
  EXPECT_EQ(j["operations"][0]["files"][1]["quotas"]["openai"]["rate_limited_total"], 5);

  r = run({"--check"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(r.out, "LEADSCOUT WARNING - logistics_demo quota openai spent $4.20 of $5.00 (84.0%), warning at 80.0%\n");
}

TEST(StatusQuotaSums, CooldownCountsOnlyWhileTheRunIsAtWork) {
  const auto now = lt::status::fixed_now();
  auto running = snapshot("op", lb::Status::running, 1, 10);
  auto q = quota(1.0, 0.0);
  q.cooldown_seconds = 9;  // no cooldown_until: the figure of the write is all there is
  running.quotas["openai"] = q;
  auto ended = snapshot("op", lb::Status::interrupted, 1, 10);
  q.cooldown_until = unix_seconds(now) + 40;
  ended.quotas["openai"] = q;

  auto rows = ls::sum_quotas({{&running, true}}, now);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(rows[0].cooldown_seconds, 9.0);
  rows = ls::sum_quotas({{&ended, false}}, now);
  EXPECT_DOUBLE_EQ(rows[0].cooldown_seconds, 0.0);
  EXPECT_FALSE(rows[0].budget_fraction());
}

TEST(StatusQuotaSums, TheTotalHasABudgetOnlyWhenEveryQuotaHasOne) {
  ls::QuotaRow a, b;
  a.name = "a";
  a.spent_usd = 1.0;
  a.budget_usd = 2.0;
  b.name = "b";
  b.spent_usd = 3.0;
  b.budget_usd = 6.0;
  EXPECT_DOUBLE_EQ(ls::total_of({a, b}).budget_usd, 8.0);
  EXPECT_DOUBLE_EQ(*ls::total_of({a, b}).budget_fraction(), 0.5);
  b.budget_usd = 0.0;
  EXPECT_DOUBLE_EQ(ls::total_of({a, b}).budget_usd, 0.0);
  EXPECT_DOUBLE_EQ(ls::total_of({a, b}).spent_usd, 4.0);
  EXPECT_EQ(ls::usd(0.0042), "$0.0042");
  EXPECT_EQ(ls::usd(12.345), "$12.35");
  EXPECT_EQ(ls::usd(0), "$0.00");
}

TEST(StatusQuotaSums, AnOperationsRowsAreItsShardsRowsAddedByName) {
  // The operation's sums come from its shards' rows: summing the rows equals summing the files.
  const auto now = lt::status::fixed_now();
  auto a = snapshot("op", lb::Status::running, 1, 10);
  auto b = snapshot("op", lb::Status::running, 1, 10);
  a.quotas["openai"] = quota(1.0, 5.0);
  a.quotas["openai"].shared = lb::SharedQuotaReport{
      .backend = "redis", .connected = true, .requests_last_minute = 90, .tokens_last_minute = 900, .spent_usd = 2.0};
  a.quotas["anthropic"] = quota(0.5, 2.0);
  b.quotas["openai"] = quota(1.5, 5.0);
  b.quotas["openai"].shared = lb::SharedQuotaReport{
      .backend = "redis", .connected = false, .requests_last_minute = 80, .tokens_last_minute = 800, .spent_usd = 2.5};
  b.quotas["cohere"] = quota(0.25, 0.0);

  std::vector<ls::QuotaRow> sums;
  ls::add_by_name(sums, ls::sum_quotas({{&a, true}}, now));
  ls::add_by_name(sums, ls::sum_quotas({{&b, true}}, now));
  const auto direct = ls::sum_quotas({{&a, true}, {&b, true}}, now);
  ASSERT_EQ(sums.size(), 3u);
  ASSERT_EQ(direct.size(), 3u);
  for (std::size_t i = 0; i < sums.size(); ++i) {
    EXPECT_EQ(sums[i].name, direct[i].name);
    EXPECT_EQ(ls::quotas_json({sums[i]}).dump(), ls::quotas_json({direct[i]}).dump());
  }
  EXPECT_EQ(sums[0].name, "anthropic");
  EXPECT_EQ(sums[2].name, "openai");
  EXPECT_DOUBLE_EQ(sums[2].spent_usd, 2.5);
  EXPECT_DOUBLE_EQ(sums[2].budget_usd, 5.0);  // shared: the operation's budget, once
  EXPECT_EQ(sums[2].shared->shards, 2);
  EXPECT_EQ(sums[2].shared->connected, 1);
  EXPECT_DOUBLE_EQ(sums[2].shared->spent_usd, 2.5);
  EXPECT_EQ(sums[2].rate_limited_total, 6u);

  ls::QuotaRow total;
  ls::add(total, sums[0]);
  ls::add(total, sums[2]);
  EXPECT_DOUBLE_EQ(total.budget_usd, 7.0);  // different quotas: their budgets add up
  EXPECT_FALSE(total.shared);
}

TEST_F(StatusQuota, AnOperationsSumsHaveTheProgressFilesLayout) {
  // --json writes each operation's sums with the library's figures_to_json(): for an unsharded
  // operation they are its file's figures, null rules included.
  auto s = with(snapshot("streamed", lb::Status::running, 40, 40), "openai", quota(1.0, 0.0));
  s.total_known = false;
  s.expected_total = 400;
  s.percentage = 10.0;
  s.eta_seconds.reset();
  write(s);
  const auto j = nlohmann::json::parse(run({"--json"}).out);
  const auto& op = j["operations"][0];
  const auto& file = op["files"][0];
  nlohmann::json figures;
  lb::figures_to_json(figures, s);
  ASSERT_EQ(figures.size(), 13u);
  for (const auto& [key, value] : figures.items()) {
    EXPECT_EQ(op[key], file[key]) << key;
    EXPECT_EQ(op[key], value) << key;
  }
  EXPECT_TRUE(op["total"].is_null());
  EXPECT_TRUE(op["eta_seconds"].is_null());
  EXPECT_EQ(op["expected_total"], 400);
}

TEST_F(StatusQuota, ASharedQuotaShowsTheOperationsUseBesideTheShards) {
  // Shared through Redis, each shard reports the operation's budget (not its share) and what
  // it last saw of the operation's use.
  auto a = quota(1.0, 5.0);
  auto b = quota(1.5, 5.0);
  a.shared = lb::SharedQuotaReport{.backend = "redis", .connected = true, .requests_last_minute = 900,
                                   .tokens_last_minute = 36000, .spent_usd = 2.4};
  b.shared = lb::SharedQuotaReport{.backend = "redis", .connected = false, .requests_last_minute = 950,
                                   .tokens_last_minute = 38000, .spent_usd = 2.5, .fallbacks = 1};
  write(with(sharded(snapshot("logistics_demo", lb::Status::running, 100, 250), 0, 2), "openai", a));
  write(with(sharded(snapshot("logistics_demo", lb::Status::running, 100, 250), 1, 2), "openai", b));

  auto r = run({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lt::split_lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_TRUE(has(lines[1], "$2.50/$5.00 (50.0%)")) << lines[1];
  EXPECT_EQ(lines[2],
            "logistics_demo quota openai shared through redis: 1/2 shards connected, 950 requests and 38000 tokens "
            "in the last minute, $2.50 spent");

  const auto j = nlohmann::json::parse(run({"--json"}).out);
  const auto& q = j["operations"][0]["quotas"]["openai"];
  EXPECT_DOUBLE_EQ(q["budget_usd"].get<double>(), 5.0);
  EXPECT_EQ(q["shared"]["backend"], "redis");
  EXPECT_EQ(q["shared"]["shards"], 2);
  EXPECT_EQ(q["shared"]["connected"], 1);
  EXPECT_DOUBLE_EQ(q["shared"]["requests_last_minute"].get<double>(), 950);
  EXPECT_EQ(j["operations"][0]["files"][1]["quotas"]["openai"]["shared"]["fallbacks"], 1);
}

TEST_F(StatusQuota, TheLlmCacheLineShowsHitsAndMoneySavedSummedOverShards) {
  for (std::uint32_t i = 0; i < 2; ++i) {
    auto s = sharded(with(snapshot("logistics_demo", lb::Status::running, 120, 500), "openai", quota(1.0, 0.0)), i, 2);
    s.metrics = {{"llm_cache_hits", 400}, {"llm_cache_misses", 100}, {"llm_cache_saved_usd_micros", 8400}};
    write(s);
  }
  const auto r = run({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "logistics_demo LLM cache: 800 hits, 200 misses (80.0% answered from the cache), $0.0168 saved"))
      << r.out;
  const auto j = nlohmann::json::parse(run({"--json"}).out);
  EXPECT_EQ(j["operations"][0]["llm_cache"]["hits"], 800);
  EXPECT_DOUBLE_EQ(j["operations"][0]["llm_cache"]["saved_usd"].get<double>(), 0.0168);
  write(snapshot("nightly_import", lb::Status::completed, 5, 5));
  EXPECT_FALSE(has(run({}).out, "nightly_import LLM cache")) << "a run without a cache has no line";
}

TEST_F(StatusQuota, TheBatchesOfABatchModeRunAreListedUnderTheTable) {
  auto s = snapshot("logistics_demo", lb::Status::interrupted, 120, 500);
  s.batches = {{"batch_abc", "in_progress", 10000, 120, 2, 303, 62}, {"batch_def", "finalizing", 500, 500, 0, 900, 5}};
  write(s);
  const auto r = run({});
  EXPECT_TRUE(has(r.out, "logistics_demo batch batch_abc: in progress, 120 of 10000 rows done (2 failed), age 5m03s, "
                         "1m02s in this status\n"))
      << r.out;
  EXPECT_TRUE(has(r.out, "logistics_demo batch batch_def: finalizing, 500 of 500 rows done, age 15m00s, 5s in this status"))
      << r.out;
  const auto j = nlohmann::json::parse(run({"--json"}).out);
  const auto& batches = j["operations"][0]["files"][0]["batches"];
  ASSERT_EQ(batches.size(), 2U) << j;
  EXPECT_EQ(batches[0]["id"], "batch_abc");
  EXPECT_EQ(batches[0]["completed"], 120);
  EXPECT_DOUBLE_EQ(batches[1]["status_seconds"].get<double>(), 5.0);
  write(snapshot("nightly_import", lb::Status::completed, 5, 5));
  EXPECT_FALSE(has(run({}).out, "nightly_import batch")) << "an online run lists no batches";
}

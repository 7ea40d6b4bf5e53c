// Failover between endpoints: a failing or long-rate-limited first endpoint moves the calls to
// the second, every item runs once, the moves are logged and counted, and calls return to the
// first once its cooldown has passed.
#include <gtest/gtest.h>

#include "fake_provider.hpp"
#include "llm_test_utils.hpp"

namespace {

using namespace leadscout::test::llm;
using namespace std::chrono_literals;
using leadscout::test::TempDir;
using leadscout::test::batch::events;
using leadscout::test::batch::init_logging;
using leadscout::test::batch::make_items;
using leadscout::test::batch::ok_counts;
using leadscout::test::batch::run_advancing;
using leadscout::test::batch::test_options;

const std::string kGood = R"({"label":"english","confidence":0.9})";
FakeReply ok_openai(const SeenRequest&, int) { return {200, openai_answer(kGood), {}}; }
FakeReply unavailable(const SeenRequest&, int) { return {503, error_answer("overloaded"), {}}; }

/// Two OpenAI-compatible endpoints with quotas of their own, so that a rate limit of the first
/// does not hold the second.
lm::ClientOptions two_endpoints(const FakeProvider& first, const FakeProvider& second) {
  return lm::ClientOptions{
      .endpoints = {{.base_url = first.url(), .model = "gpt-4o-mini", .quota = "primary"},
                    {.base_url = second.url(), .model = "gpt-4o-mini", .quota = "backup"}},
      .failover_after = 3,
      .failover_cooldown = 30s};
}

TEST(LlmFailover, ServerErrorsMoveTheCallsToTheNextEndpoint) {
  TempDir dir;
  const auto log = init_logging(dir.path());
  FakeProvider first(unavailable);
  FakeProvider second(ok_openai);
  lm::Client client(two_endpoints(first, second));
  auto opt = test_options(dir.path());
  opt.quotas = client.quotas();
  ASSERT_EQ(opt.quotas.size(), 2U);
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(make_items(10), classify_with(client));
  ASSERT_EQ(summary.status, lb::Status::completed) << summary.reason;
  EXPECT_EQ(summary.succeeded, 10U);
  EXPECT_EQ(lb::exit_code(summary), 0);
  for (const auto& [id, n] : ok_counts(summary.journal_file)) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(first.count(), 3U) << "three failures, then the first endpoint cools down";
  EXPECT_EQ(second.count(), 10U);
  const auto moves = events(log, "LLM failover");
  ASSERT_EQ(moves.size(), 3U);
  EXPECT_EQ(moves.front().at("from"), 0);
  EXPECT_EQ(moves.front().at("to"), 1);
  EXPECT_EQ(moves.front().at("why"), "server_error");
  EXPECT_EQ(moves.back().at("cooling"), true);
  const std::string prom = leadscout::test::read_file(dir.path() / "progress" / "test_op.prom");
  EXPECT_NE(prom.find("leadscout_llm_failovers_total{operation=\"test_op\",from=\"0\",reason=\"server_error\",to=\"1\"} 3"),
            std::string::npos)
      << prom;
}

TEST(LlmFailover, ARetryAfterLongerThanTheCallMovesItOn) {
  TempDir dir;
  FakeProvider first([](const SeenRequest&, int) {
    return FakeReply{429, error_answer("slow down"), {{"retry-after", "120"}}};
  });
  FakeProvider second(ok_openai);
  lm::Client client(two_endpoints(first, second));
  auto opt = test_options(dir.path());
  opt.quotas = client.quotas();
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(make_items(5), classify_with(client));
  ASSERT_EQ(summary.succeeded, 5U) << summary.reason;
  EXPECT_EQ(first.count(), 1U) << "cooling for the Retry-After: no more calls";
  EXPECT_EQ(second.count(), 5U);
}

TEST(LlmFailover, CallsReturnToTheFirstEndpointAfterItsCooldown) {
  TempDir dir;
  FakeProvider first(unavailable);
  FakeProvider second(ok_openai);
  lm::Client client(two_endpoints(first, second));
  auto clock = std::make_shared<lb::ManualClock>();
  clock->set_auto_advance(false);  // only the test moves time
  auto opt = test_options(dir.path(), clock);
  opt.quotas = client.quotas();
  opt.fresh = true;  // three runs of different items under one operation
  {
    lb::BackgroundProcessor<Item, Label> proc(opt);
    ASSERT_EQ(proc.run(make_items(6, "a-"), classify_with(client)).succeeded, 6U);
  }
  ASSERT_EQ(first.count(), 3U);
  first.set_handler(ok_openai);
  clock->advance(10s);
  {
    lb::BackgroundProcessor<Item, Label> proc(opt);
    ASSERT_EQ(proc.run(make_items(2, "b-"), classify_with(client)).succeeded, 2U);
  }
  EXPECT_EQ(first.count(), 3U) << "still cooling 10 s in";
  clock->advance(25s);
  {
    lb::BackgroundProcessor<Item, Label> proc(opt);
    ASSERT_EQ(proc.run(make_items(4, "c-"), classify_with(client)).succeeded, 4U);
  }
  EXPECT_EQ(first.count(), 7U) << "back on the first endpoint";
  EXPECT_EQ(second.count(), 8U);
}

/// Both endpoints answer their first call with a 503 and cool down at once (failover_after 1);
/// later calls are answered.
struct BothCoolingOnce {
  FakeProvider first{[](const SeenRequest&, int i) { return i == 0 ? unavailable({}, i) : ok_openai({}, i); }};
  FakeProvider second{[](const SeenRequest&, int i) { return i == 0 ? unavailable({}, i) : ok_openai({}, i); }};
  lm::Client client{[this] {
    lm::ClientOptions o = two_endpoints(first, second);
    o.failover_after = 1;
    return o;
  }()};
};

TEST(LlmFailover, WhenEveryEndpointCoolsACallWaitsForTheEarliestWithinTheDeadline) {
  TempDir dir;
  BothCoolingOnce setup;
  auto clock = std::make_shared<lb::ManualClock>();
  clock->set_auto_advance(false);
  auto opt = test_options(dir.path(), clock);
  opt.quotas = setup.client.quotas();
  opt.item_timeout = 10min;
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = run_advancing(*clock, 100ms, [&] { return proc.run(make_items(1), classify_with(setup.client)); });
  ASSERT_EQ(summary.succeeded, 1U) << summary.reason;
  EXPECT_EQ(setup.first.count(), 2U) << "the retry waited for the first endpoint's cooldown, then called it";
  EXPECT_EQ(setup.second.count(), 1U);
  EXPECT_GE(clock->elapsed(), 30s);
}

TEST(LlmFailover, ACooldownPastTheDeadlineFailsLlmUnavailable) {
  TempDir dir;
  BothCoolingOnce setup;
  auto clock = std::make_shared<lb::ManualClock>();
  clock->set_auto_advance(false);
  auto opt = test_options(dir.path(), clock);
  opt.quotas = setup.client.quotas();
  opt.item_timeout = 10s;
  opt.retry.max_attempts = 2;
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = run_advancing(*clock, 100ms, [&] { return proc.run(make_items(1), classify_with(setup.client)); });
  ASSERT_EQ(summary.failures.size(), 1U) << summary.reason;
  EXPECT_EQ(summary.failures.front().reason, "llm_unavailable");
  EXPECT_EQ(setup.first.count() + setup.second.count(), 2U) << "no call while both cool down";
}

TEST(LlmFailover, A429MakesEveryWorkerOfTheQuotaWait) {
  TempDir dir;
  FakeProvider provider([](const SeenRequest&, int i) {
    return i == 0 ? FakeReply{429, error_answer("slow down"), {{"retry-after", "20"}}} : ok_openai({}, i);
  });
  lm::Client client({.endpoints = {{.base_url = provider.url(), .model = "gpt-4o-mini"}}});
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.quotas = client.quotas();
  opt.concurrency = 3;
  opt.item_timeout = 10min;  // longer than the wait: the endpoint does not cool
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = run_advancing(*clock, 100ms, [&] { return proc.run(make_items(3), classify_with(client)); });
  ASSERT_EQ(summary.succeeded, 3U) << summary.reason;
  EXPECT_EQ(summary.quotas.at("openai").rate_limited_total, 1U);
  EXPECT_GE(clock->elapsed(), 20s) << "the quota held its permits for the Retry-After";
  EXPECT_EQ(provider.count(), 4U) << "one 429, then each item once";
}

}  // namespace

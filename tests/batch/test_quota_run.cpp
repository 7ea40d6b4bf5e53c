// Quotas inside a run: Context::acquire, halting failures, retries by reason, budgets across
// resumes and what the progress file, Prometheus and the summary say about them.
#include <atomic>
#include <csignal>
#include <thread>

#include <gtest/gtest.h>

#include "batch_test_utils.hpp"
#include "child_process.hpp"

namespace {

using namespace leadscout::test::batch;
using namespace std::chrono_literals;

const std::string kChild = QUOTA_CHILD;

TEST(BatchQuotaRun, WaitingForAPermitIsNotItemTime) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  clock->set_auto_advance(false);
  auto opt = test_options(dir.path(), clock);
  opt.concurrency = 3;
  opt.item_timeout = 1s;
  opt.retry.max_attempts = 1;
  // One request every 3 s: the second and third calls wait 3 s and 6 s for their permits,
  // longer than item_timeout.
  opt.quotas = {lb::Quota{.name = "llm", .requests_per_minute = 20, .max_in_flight = 3}};
  std::atomic<int> moved{0};
  lb::BackgroundProcessor<Item, Out> proc(opt);
  const auto summary = run_advancing(*clock, 10ms, [&] {
    return proc.run(make_items(3), [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
      const auto deadline_before = ctx.deadline();
      const auto asked = ctx.clock().now();
      lb::Permit permit = ctx.acquire("llm", {.tokens = 10});
      if (!permit) return permit.failure();
      const auto waited = ctx.clock().now() - asked;
      if (waited < 2s || ctx.deadline() - deadline_before >= waited - 100ms) ++moved;
      permit.settle({.tokens = 10});
      return Out{item.value * 2, ""};
    });
  });
  EXPECT_EQ(summary.status, lb::Status::completed) << summary.reason;
  EXPECT_EQ(summary.succeeded, 3U) << "no attempt timed out while it waited";
  EXPECT_EQ(moved.load(), 3) << "the deadline moves by the wait";
  EXPECT_GE(clock->elapsed(), 6s) << "the quota spaced the calls";
}

TEST(BatchQuotaRun, UnknownQuotaNameFailsTheItemNamingIt) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.retry.max_attempts = 1;
  opt.quotas = {lb::Quota{.name = "openai"}};
  lb::BackgroundProcessor<Item, Out> proc(opt);
  const auto summary = proc.run(make_items(1), [](const Item&, lb::Context& ctx) -> lb::Outcome<Out> {
    lb::Permit permit = ctx.acquire("anthropic", {});
    return Out{};
  });
  ASSERT_EQ(summary.failures.size(), 1U);
  EXPECT_NE(summary.failures[0].reason.find("no quota named \"anthropic\""), std::string::npos)
      << summary.failures[0].reason;
}

TEST(BatchQuotaRun, HaltStopsTheRunAtOnce) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.concurrency = 4;
  std::atomic<int> calls{0};
  lb::BackgroundProcessor<Item, Out> proc(opt);
  const auto summary = proc.run(make_items(200), [&](const Item&, lb::Context&) -> lb::Outcome<Out> {
    ++calls;
    std::this_thread::sleep_for(2ms);
    return lb::Failure{.reason = "unauthorized", .retry = lb::Retry::no, .halt = true};
  });
  EXPECT_EQ(summary.status, lb::Status::failed);
  EXPECT_EQ(summary.reason, "unauthorized");
  EXPECT_EQ(lb::exit_code(summary), 1);
  EXPECT_LE(calls.load(), 4) << "no item starts after the first halt";
  EXPECT_GE(summary.remaining, 196U);
}

TEST(BatchQuotaRun, MaxAttemptsByReasonCapsRetriesOfThatReason) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.retry.max_attempts = 4;
  opt.retry.max_attempts_by_reason = {{"bad_request", 1}, {"unparsable_answer", 2}};
  std::map<std::string, int> attempts;
  lb::BackgroundProcessor<Item, Out> proc(opt);
  const auto summary = proc.run(make_items(3), [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    attempts[item.id] = ctx.attempt();
    static const char* reasons[] = {"bad_request", "unparsable_answer", "server_error"};
    return lb::Failure{.reason = reasons[item.value]};
  });
  EXPECT_EQ(attempts["item-0"], 1);
  EXPECT_EQ(attempts["item-1"], 2);
  EXPECT_EQ(attempts["item-2"], 4);
  EXPECT_EQ(summary.failed, 3U);

  opt.retry.max_attempts_by_reason = {{"bad_request", 0}};
  lb::BackgroundProcessor<Item, Out> bad(opt);
  try {
    (void)bad.run(make_items(1), [](const Item&, lb::Context&) -> lb::Outcome<Out> { return Out{}; });
    ADD_FAILURE() << "an attempt count of 0 was accepted";
  } catch (const lb::Error& e) {
    EXPECT_NE(std::string(e.what()).find("max_attempts_by_reason[\"bad_request\"]"), std::string::npos) << e.what();
  }
}

/// A run of `n` items that each cost $0.10, the first attempt of every item failing after
/// it was charged when `fail_first` is set.
lb::Summary<Out> spend_run(const fs::path& dir, int n, double budget, bool fail_first, std::map<std::string, int>* calls) {
  auto opt = test_options(dir);
  opt.retry.initial_backoff = 0ms;
  opt.quotas = {lb::Quota{.name = "llm", .budget_usd = budget}};
  lb::BackgroundProcessor<Item, Out> proc(opt);
  return proc.run(make_items(n), [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    lb::Permit permit = ctx.acquire("llm", {.tokens = 50, .cost_usd = 0.1});
    if (!permit) return permit.failure();
    if (calls != nullptr) ++(*calls)[item.id];
    permit.settle({.tokens = 40, .cost_usd = 0.1});
    if (fail_first && ctx.attempt() == 1) return lb::Failure{.reason = "server_error"};
    return Out{item.value * 2, ""};
  });
}

TEST(BatchQuotaRun, BudgetStopsTheRunAndAResumeWithMoreFinishesIt) {
  TempDir dir;
  std::map<std::string, int> calls;
  const auto first = spend_run(dir.path(), 20, 1.0, false, &calls);
  EXPECT_EQ(first.status, lb::Status::budget_exhausted);
  EXPECT_EQ(lb::exit_code(first), 4);
  EXPECT_EQ(first.succeeded, 10U);
  EXPECT_EQ(first.failed, 0U) << "items refused a permit wait for a resume";
  EXPECT_EQ(first.remaining, 10U);
  EXPECT_NE(first.reason.find("llm"), std::string::npos) << first.reason;
  EXPECT_NEAR(first.quotas.at("llm").spent_usd, 1.0, 1e-9);
  EXPECT_EQ(first.quotas.at("llm").tokens_total, 400);
  const auto progress = lb::read_progress(first.progress_file);
  EXPECT_EQ(progress.status, lb::Status::budget_exhausted);
  EXPECT_TRUE(progress.quotas.at("llm").budget_exhausted);

  const auto again = spend_run(dir.path(), 20, 1.0, false, &calls);
  EXPECT_EQ(again.status, lb::Status::budget_exhausted) << "the earlier spend counts";
  EXPECT_EQ(again.succeeded, 10U);

  const auto resumed = spend_run(dir.path(), 20, 3.0, false, &calls);
  EXPECT_EQ(resumed.status, lb::Status::completed) << resumed.reason;
  EXPECT_EQ(lb::exit_code(resumed), 0);
  EXPECT_EQ(resumed.skipped_resumed, 10U);
  EXPECT_NEAR(resumed.quotas.at("llm").spent_usd, 2.0, 1e-9) << "spend is the operation's, across resumes";
  EXPECT_EQ(calls.size(), 20U);
  for (const auto& [id, count] : calls) EXPECT_EQ(count, 1) << id;
}

TEST(BatchQuotaRun, SpendOfRetriedAttemptsIsJournaled) {
  TempDir dir;
  const auto first = spend_run(dir.path(), 2, 0.0, true, nullptr);
  EXPECT_EQ(first.status, lb::Status::completed) << first.reason;
  EXPECT_NEAR(first.quotas.at("llm").spent_usd, 0.4, 1e-9);
  int attempt_records = 0;
  for (const auto& r : journal_records(first.journal_file)) {
    if (r.at("status") != "attempt") continue;
    ++attempt_records;
    EXPECT_EQ(r.at("tokens").at("llm"), 40);
    EXPECT_DOUBLE_EQ(r.at("spend_usd").at("llm").get<double>(), 0.1);
  }
  EXPECT_EQ(attempt_records, 2);
  const auto resumed = spend_run(dir.path(), 2, 0.0, true, nullptr);
  EXPECT_EQ(resumed.skipped_resumed, 2U);
  EXPECT_NEAR(resumed.quotas.at("llm").spent_usd, 0.4, 1e-9) << "failed attempts' spend counts after a resume";
  EXPECT_EQ(resumed.quotas.at("llm").tokens_total, 160);
}

TEST(BatchQuotaRun, ProgressPrometheusAndSummaryShowTheQuotas) {
  TempDir dir;
  const fs::path log = init_logging(dir.path());
  const auto summary = spend_run(dir.path(), 3, 5.0, false, nullptr);
  ASSERT_EQ(summary.status, lb::Status::completed) << summary.reason;
  const auto j = nlohmann::json::parse(read_file(summary.progress_file));
  const auto& q = j.at("quotas").at("llm");
  EXPECT_NEAR(q.at("spent_usd").get<double>(), 0.3, 1e-9);
  EXPECT_EQ(q.at("budget_usd"), 5.0);
  EXPECT_EQ(q.at("granted_total"), 3);
  EXPECT_EQ(q.at("configured").at("max_in_flight"), "auto");
  const std::string prom = read_file(summary.progress_file.parent_path() / "test_op.prom");
  EXPECT_NE(prom.find("leadscout_quota_spent_usd{operation=\"test_op\",quota=\"llm\"} 0.3"), std::string::npos)
      << prom;
  EXPECT_NE(prom.find("leadscout_quota_budget_usd{operation=\"test_op\",quota=\"llm\"} 5"), std::string::npos);
  const auto done = events(log, "Batch processing complete");
  ASSERT_EQ(done.size(), 1U);
  EXPECT_EQ(done[0].at("tokens"), 120);
  EXPECT_NEAR(done[0].at("spent_usd").get<double>(), 0.3, 1e-9);
  ll::shutdown();
}

TEST(BatchQuotaRun, BadOverrideVariableFailsTheRunNamingIt) {
  TempDir dir;
  const ScopedEnv env("LEADSCOUT_QUOTA_LLM", "rpm=fast");
  auto opt = test_options(dir.path());
  opt.quotas = {lb::Quota{.name = "llm"}};
  lb::BackgroundProcessor<Item, Out> proc(opt);
  try {
    (void)proc.run(make_items(1), [](const Item&, lb::Context&) -> lb::Outcome<Out> { return Out{}; });
    ADD_FAILURE() << "a bad LEADSCOUT_QUOTA_LLM was accepted";
  } catch (const lb::Error& e) {
    EXPECT_NE(std::string(e.what()).find("LEADSCOUT_QUOTA_LLM"), std::string::npos) << e.what();
  }
}

// ---- real processes ----

std::vector<std::string> lines_of(const fs::path& p) { return fs::exists(p) ? read_lines(p) : std::vector<std::string>{}; }

TEST(BatchQuotaProcess, BudgetStopExitsFourAndALargerBudgetFinishesWithoutRepeats) {
  TempDir dir;
  const pid_t first = spawn({kChild, dir.path().string(), "40", "budget", "0.105"}, (dir / "out1.txt").string());
  const auto status1 = wait_exit(first);
  ASSERT_TRUE(status1 && WIFEXITED(*status1));
  EXPECT_EQ(WEXITSTATUS(*status1), 4) << read_file(dir / "out1.txt");
  EXPECT_NE(read_file(dir / "out1.txt").find("status=budget_exhausted"), std::string::npos);
  EXPECT_EQ(lines_of(dir / "calls.txt").size(), 10U) << "$0.105 pays for ten $0.01 calls, reserved before each";

  const pid_t second = spawn({kChild, dir.path().string(), "40", "budget", "1.0"}, (dir / "out2.txt").string());
  const auto status2 = wait_exit(second);
  ASSERT_TRUE(status2 && WIFEXITED(*status2));
  EXPECT_EQ(WEXITSTATUS(*status2), 0) << read_file(dir / "out2.txt");
  std::map<std::string, int> calls;
  for (const auto& id : lines_of(dir / "calls.txt")) ++calls[id];
  EXPECT_EQ(calls.size(), 40U);
  for (const auto& [id, count] : calls) EXPECT_EQ(count, 1) << id << " was called twice";
  const auto progress = lb::read_progress(dir / "quota_child.json");
  EXPECT_NEAR(progress.quotas.at("llm").spent_usd, 0.40, 1e-9);
}

TEST(BatchQuotaProcess, HaltOnTheFirst401ExitsOneWithinConcurrencyAttempts) {
  TempDir dir;
  const pid_t pid = spawn({kChild, dir.path().string(), "500", "halt", "8"}, (dir / "out.txt").string());
  const auto status = wait_exit(pid);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_NE(read_file(dir / "out.txt").find("status=failed reason=unauthorized"), std::string::npos)
      << read_file(dir / "out.txt");
  const auto calls = lines_of(dir / "calls.txt");
  EXPECT_GE(calls.size(), 1U);
  EXPECT_LE(calls.size(), 8U) << "at most one call per worker";
}

}  // namespace

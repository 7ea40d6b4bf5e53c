// Behaviour of BackgroundProcessor with an injected clock: retries, backoff, retry_after,
// timeouts, deadline, rate limit, halt, resume, ids, shards, metrics.
#include <gtest/gtest.h>

#include <condition_variable>
#include <csignal>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "batch_test_utils.hpp"

using namespace leadscout::test::batch;
using namespace std::chrono_literals;

namespace {

using Proc = lb::BackgroundProcessor<Item, Out>;

lb::Outcome<Out> ok_of(const Item& item) { return Out{item.value * 2, "ok"}; }

/// Waits (real time, bounded) until the attempt's stop is requested.
bool wait_for_stop(const lb::Context& ctx) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  return cv.wait_for(lock, ctx.stop_token(), 10s, [] { return false; }) || ctx.stop_token().stop_requested();
}

}  // namespace

TEST(BatchProcessor, RunsEveryItemInInputOrderAndJournalsIt) {
  TempDir dir;
  auto opt = test_options(dir.path());
  std::vector<std::string> order;
  Proc proc(opt);
  auto items = make_items(50);
  auto s = proc.run(items, [&](const Item& item, lb::Context& ctx) {
    EXPECT_EQ(ctx.item_id(), item.id);
    EXPECT_EQ(ctx.attempt(), 1);
    order.push_back(item.id);
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::completed);
  EXPECT_EQ(s.succeeded, 50U);
  EXPECT_EQ(s.total, 50U);
  ASSERT_EQ(order.size(), 50U);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], "item-" + std::to_string(i));
  const auto records = journal_records(s.journal_file);
  ASSERT_EQ(records.size(), 50U);
  EXPECT_EQ(records[7]["id"], "item-7");
  EXPECT_EQ(records[7]["status"], "ok");
  EXPECT_EQ(records[7]["attempts"], 1);
  EXPECT_EQ(records[7]["result"]["doubled"], 14);
  const auto header = nlohmann::json::parse(read_lines(s.journal_file).at(0));
  EXPECT_EQ(header["journal"], "leadscout.batch");
  EXPECT_EQ(header["operation"], "test_op");
  EXPECT_EQ(header["items"], 50);
}

TEST(BatchProcessor, ConcurrentWorkersFinishEveryItemOnce) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.concurrency = 8;
  Proc proc(opt);
  auto items = make_items(2000);
  auto s = proc.run(items, [](const Item& item, lb::Context&) { return ok_of(item); });
  EXPECT_EQ(s.succeeded, 2000U);
  const auto counts = ok_counts(s.journal_file);
  EXPECT_EQ(counts.size(), 2000U);
  for (const auto& [id, n] : counts) ASSERT_EQ(n, 1) << id;
}

TEST(BatchProcessor, ExponentialBackoffBetweenRetries) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.retry.max_attempts = 4;
  opt.retry.initial_backoff = 500ms;
  opt.retry.max_backoff = 1500ms;
  std::vector<lb::Clock::time_point> starts;
  Proc proc(opt);
  auto items = make_items(1);
  auto s = proc.run(items, [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    starts.push_back(ctx.clock().now());
    if (ctx.attempt() < 4) return lb::Failure{"rate_limited", lb::Retry::yes};
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::completed);
  EXPECT_EQ(s.retried, 3U);
  ASSERT_EQ(starts.size(), 4U);
  EXPECT_EQ(starts[1] - starts[0], 500ms);
  EXPECT_EQ(starts[2] - starts[1], 1000ms);
  EXPECT_EQ(starts[3] - starts[2], 1500ms);  // capped by max_backoff
  EXPECT_EQ(journal_records(s.journal_file).at(0)["attempts"], 4);
}

TEST(BatchProcessor, FullJitterStaysWithinTheBackoff) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.retry.jitter = true;
  opt.retry.max_attempts = 2;
  opt.retry.initial_backoff = 1000ms;
  std::map<std::string, std::vector<lb::Clock::time_point>> starts;
  Proc proc(opt);
  auto items = make_items(40);
  auto s = proc.run(items, [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    starts[item.id].push_back(ctx.clock().now());
    if (ctx.attempt() == 1) return lb::Failure{"flaky"};
    return ok_of(item);
  });
  EXPECT_EQ(s.succeeded, 40U);
  std::set<lb::Clock::duration> distinct;
  for (const auto& [id, t] : starts) {
    ASSERT_EQ(t.size(), 2U);
    EXPECT_GE(t[1] - t[0], 0ms);
    EXPECT_LE(t[1] - t[0], 1000ms);
    distinct.insert(t[1] - t[0]);
  }
  EXPECT_GT(distinct.size(), 5U);  // jittered, not all equal
}

TEST(BatchProcessor, RetryAfterReplacesTheBackoff) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.retry.jitter = true;
  std::vector<lb::Clock::time_point> starts;
  Proc proc(opt);
  auto items = make_items(1);
  auto s = proc.run(items, [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    starts.push_back(ctx.clock().now());
    if (ctx.attempt() == 1) return lb::Failure{"http_429", lb::Retry::yes, 7s};
    return ok_of(item);
  });
  ASSERT_EQ(starts.size(), 2U);
  EXPECT_EQ(starts[1] - starts[0], 7s);
  EXPECT_EQ(s.succeeded, 1U);
}

TEST(BatchProcessor, RetryNoFailsAtOnceAndExceptionsAreRetried) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  std::map<std::string, int> calls;
  Proc proc(opt);
  auto items = make_items(3);
  auto s = proc.run(items, [&](const Item& item, lb::Context&) -> lb::Outcome<Out> {
    ++calls[item.id];
    if (item.value == 0) return lb::Failure{"invalid_input", lb::Retry::no};
    if (item.value == 1) throw std::runtime_error("boom");
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::completed);  // one bad item never ends the batch
  EXPECT_EQ(calls["item-0"], 1);
  EXPECT_EQ(calls["item-1"], 3);
  EXPECT_EQ(s.failed, 2U);
  EXPECT_EQ(s.succeeded, 1U);
  ASSERT_EQ(s.failures.size(), 2U);
  std::map<std::string, lb::ItemFailure> by_id;
  for (const auto& f : s.failures) by_id[f.id] = f;
  EXPECT_EQ(by_id["item-0"].reason, "invalid_input");
  EXPECT_EQ(by_id["item-0"].attempts, 1);
  EXPECT_EQ(by_id["item-1"].reason, "exception: boom");
  EXPECT_EQ(by_id["item-1"].attempts, 3);
  for (const auto& r : journal_records(s.journal_file)) {
    if (r["id"] == "item-1") {
      EXPECT_EQ(r["status"], "failed");
      EXPECT_EQ(r["error"], "exception: boom");
    }
  }
}

TEST(BatchProcessor, TimeoutDiscardsTheLateResultAndRetries) {
  TempDir dir;
  const auto log_file = init_logging(dir.path());
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.item_timeout = 30s;
  opt.retry.initial_backoff = 0ms;
  Proc proc(opt);
  auto items = make_items(1);
  bool saw_stop = false;
  auto s = proc.run(items, [&](const Item&, lb::Context& ctx) -> lb::Outcome<Out> {
    if (ctx.attempt() == 1) {
      EXPECT_EQ(ctx.deadline(), ctx.clock().now() + 30s);
      clock->advance(31s);
      saw_stop = wait_for_stop(ctx);
      return Out{-1, "late"};
    }
    return Out{2, "second"};
  });
  EXPECT_TRUE(saw_stop);
  EXPECT_EQ(s.status, lb::Status::completed);
  EXPECT_EQ(s.retried, 1U);
  ASSERT_EQ(s.results.size(), 1U);
  EXPECT_EQ(s.results[0].second.note, "second");
  const auto records = journal_records(s.journal_file);
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0]["attempts"], 2);
  EXPECT_EQ(records[0]["result"]["note"], "second");
  const auto late = events(log_file, "Late result discarded");
  ASSERT_EQ(late.size(), 1U);
  EXPECT_EQ(late[0]["level"], "warning");
  EXPECT_EQ(late[0]["item_id"], "item-0");
  const auto retries = events(log_file, "Retrying item");
  ASSERT_EQ(retries.size(), 1U);
  EXPECT_EQ(retries[0]["reason"], "timeout");
  EXPECT_EQ(retries[0]["attempt"], 1);
}

TEST(BatchProcessor, HangingCallbackTimesOutWithRealClock) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.item_timeout = 50ms;
  opt.retry.max_attempts = 1;
  Proc proc(opt);
  auto items = make_items(2);
  auto s = proc.run(items, [](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    if (item.value == 0) wait_for_stop(ctx);
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::completed);
  EXPECT_EQ(s.succeeded, 1U);
  ASSERT_EQ(s.failures.size(), 1U);
  EXPECT_EQ(s.failures[0].id, "item-0");
  EXPECT_EQ(s.failures[0].reason, "timeout");
}

TEST(BatchProcessor, CallbackIgnoringCancellationIsLogged) {
  TempDir dir;
  const auto log_file = init_logging(dir.path());
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.item_timeout = 10s;
  opt.cancel_grace = 5s;
  opt.retry.max_attempts = 1;
  Proc proc(opt);
  auto items = make_items(1);
  auto s = proc.run(items, [&](const Item&, lb::Context& ctx) -> lb::Outcome<Out> {
    clock->advance(11s);
    wait_for_stop(ctx);
    clock->advance(6s);  // keeps running past the cancel grace, ignoring the stop
    for (int i = 0; i < 5000 && events(log_file, "Callback ignores cancellation").empty(); ++i) {
      std::this_thread::sleep_for(1ms);
    }
    return Out{1, "ignored the stop"};
  });
  EXPECT_EQ(s.failed, 1U);
  const auto warned = events(log_file, "Callback ignores cancellation");
  ASSERT_EQ(warned.size(), 1U);
  EXPECT_EQ(warned[0]["item_id"], "item-0");
  EXPECT_EQ(events(log_file, "Late result discarded").size(), 1U);
}

TEST(BatchProcessor, DeadlineStopsNewItemsAndKeepsPartialResults) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.deadline = 10s;
  Proc proc(opt);
  auto items = make_items(100);
  auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    clock->advance(1s);
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::deadline_exceeded);
  EXPECT_EQ(lb::exit_code(s), 3);
  EXPECT_EQ(s.succeeded, 10U);
  EXPECT_EQ(s.results.size(), 10U);
  EXPECT_EQ(s.remaining, 90U);
  EXPECT_NE(s.reason.find("deadline"), std::string::npos);
  EXPECT_EQ(lb::read_progress(s.progress_file).status, lb::Status::deadline_exceeded);

  auto opt2 = test_options(dir.path(), std::make_shared<lb::ManualClock>());
  Proc again(opt2);
  int calls = 0;
  auto s2 = again.run(items, [&](const Item& item, lb::Context&) {
    ++calls;
    return ok_of(item);
  });
  EXPECT_EQ(s2.status, lb::Status::completed);
  EXPECT_EQ(calls, 90);
  EXPECT_EQ(s2.skipped_resumed, 10U);
  EXPECT_EQ(s2.results.size(), 100U);
}

TEST(BatchProcessor, DeadlineCancelsInFlightItemsAfterTheGrace) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.deadline = 10s;
  opt.shutdown_grace = 2s;
  Proc proc(opt);
  auto items = make_items(3);
  bool cancelled = false;
  auto s = proc.run(items, [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    if (item.value == 1) {
      clock->advance(11s);  // past the deadline; the grace runs out as time goes on
      for (int i = 0; i < 5000 && !ctx.stop_token().stop_requested(); ++i) {
        clock->advance(500ms);
        std::this_thread::sleep_for(1ms);
      }
      cancelled = ctx.stop_token().stop_requested();
      return lb::Failure{"cancelled", lb::Retry::no};
    }
    return ok_of(item);
  });
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(s.status, lb::Status::deadline_exceeded);
  EXPECT_EQ(s.succeeded, 1U);
  EXPECT_EQ(s.failed, 0U);  // a cancelled item is not a failure: it runs again next time
  EXPECT_EQ(s.remaining, 2U);
  EXPECT_EQ(journal_records(s.journal_file).size(), 1U);
}

TEST(BatchProcessor, RateLimitSpacesItemStarts) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.concurrency = 4;
  opt.rate_limit_per_second = 10.0;
  std::mutex m;
  std::vector<lb::Clock::time_point> starts;
  Proc proc(opt);
  auto items = make_items(20);
  const auto t0 = clock->now();
  auto s = proc.run(items, [&](const Item& item, lb::Context& ctx) {
    std::lock_guard lock(m);
    starts.push_back(ctx.clock().now());
    return ok_of(item);
  });
  EXPECT_EQ(s.succeeded, 20U);
  std::sort(starts.begin(), starts.end());
  ASSERT_EQ(starts.size(), 20U);
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const auto expected = t0 + std::chrono::milliseconds(100 * i);
    EXPECT_GE(starts[i], expected - 1us) << i;
    EXPECT_LE(starts[i], expected + 1us) << i;
  }
}

TEST(BatchProcessor, HaltsOnASystemicFailureRate) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.halt_failure_rate = 0.5;
  opt.halt_window = 10;
  Proc proc(opt);
  auto items = make_items(200);
  int calls = 0;
  auto s = proc.run(items, [&](const Item& item, lb::Context&) -> lb::Outcome<Out> {
    ++calls;
    if (item.value < 4) return ok_of(item);
    return lb::Failure{"provider_down", lb::Retry::no};
  });
  EXPECT_EQ(s.status, lb::Status::failed);
  EXPECT_EQ(lb::exit_code(s), 1);
  EXPECT_NE(s.reason.find("failure rate"), std::string::npos) << s.reason;
  EXPECT_EQ(calls, 10);  // 4 ok + 6 failed = 60% of the last 10
  EXPECT_EQ(s.remaining, 190U);
  EXPECT_EQ(lb::read_progress(s.progress_file).status, lb::Status::failed);
}

TEST(BatchProcessor, DuplicateIdsAreAnErrorBeforeAnythingStarts) {
  TempDir dir;
  auto opt = test_options(dir.path());
  Proc proc(opt);
  auto items = make_items(5);
  items.push_back(Item{"item-2", 99});
  bool ran = false;
  try {
    (void)proc.run(items, [&](const Item& item, lb::Context&) {
      ran = true;
      return ok_of(item);
    });
    FAIL() << "expected lb::Error";
  } catch (const lb::Error& e) {
    EXPECT_NE(std::string(e.what()).find("duplicate item id \"item-2\""), std::string::npos) << e.what();
  }
  EXPECT_FALSE(ran);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "progress" / "test_op.checkpoint.jsonl"));
}

TEST(BatchProcessor, JournalOfAnotherInputIsAnErrorUnlessFresh) {
  TempDir dir;
  auto opt = test_options(dir.path());
  auto run = [&](const std::vector<Item>& items, bool fresh) {
    opt.fresh = fresh;
    Proc proc(opt);
    return proc.run(items, [](const Item& item, lb::Context&) { return ok_of(item); });
  };
  EXPECT_EQ(run(make_items(5), false).succeeded, 5U);
  try {
    (void)run(make_items(6), false);
    FAIL() << "expected lb::Error";
  } catch (const lb::Error& e) {
    EXPECT_NE(std::string(e.what()).find("different input"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fresh"), std::string::npos) << e.what();
  }
  const auto s = run(make_items(6), true);
  EXPECT_EQ(s.succeeded, 6U);
  EXPECT_EQ(s.skipped_resumed, 0U);
  // The same ids in another order are the same input.
  auto reversed = make_items(6);
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(run(reversed, false).skipped_resumed, 6U);
}

TEST(BatchProcessor, FailedItemsRunAgainUnlessRetryFailedIsOff) {
  TempDir dir;
  auto opt = test_options(dir.path());
  auto items = make_items(4);
  std::set<std::string> ran;
  auto fn = [&](const Item& item, lb::Context&) -> lb::Outcome<Out> {
    ran.insert(item.id);
    if (item.value % 2 == 1) return lb::Failure{"bad", lb::Retry::no};
    return ok_of(item);
  };
  {
    Proc proc(opt);
    auto s = proc.run(items, fn);
    EXPECT_EQ(s.failed, 2U);
  }
  ran.clear();
  opt.retry_failed = false;
  {
    Proc proc(opt);
    auto s = proc.run(items, fn);
    EXPECT_TRUE(ran.empty());
    EXPECT_EQ(s.failed, 2U);
    EXPECT_EQ(s.succeeded, 2U);
    EXPECT_EQ(s.failures.size(), 2U);
  }
  opt.retry_failed = true;
  {
    Proc proc(opt);
    auto s = proc.run(items, fn);
    EXPECT_EQ(ran, (std::set<std::string>{"item-1", "item-3"}));
  }
}

TEST(BatchProcessor, ShardsCoverEveryItemExactlyOnce) {
  TempDir dir;
  auto items = make_items(300);
  std::map<std::string, int> seen;
  for (std::uint32_t i = 0; i < 3; ++i) {
    auto opt = test_options(dir.path());
    opt.shard = lb::ShardSpec{i, 3};
    Proc proc(opt);
    auto s = proc.run(items, [](const Item& item, lb::Context&) { return ok_of(item); });
    EXPECT_EQ(s.status, lb::Status::completed);
    EXPECT_GT(s.total, 50U);
    EXPECT_EQ(s.succeeded, s.total);
    for (const auto& [id, r] : s.results) ++seen[id];
    EXPECT_EQ(s.journal_file.filename(),
              "test_op.shard-" + std::to_string(i) + "-of-3.checkpoint.jsonl");
    const auto progress = lb::read_progress(s.progress_file);
    ASSERT_TRUE(progress.shard.has_value());
    EXPECT_EQ(progress.shard->index, i);
    EXPECT_EQ(progress.shard->count, 3U);
  }
  EXPECT_EQ(seen.size(), 300U);
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
}

TEST(BatchProcessor, ShardFromTheEnvironment) {
  TempDir dir;
  ScopedEnv shard("LEADSCOUT_SHARD", "1/2");
  auto opt = test_options(dir.path());
  Proc proc(opt);
  auto items = make_items(100);
  auto s = proc.run(items, [](const Item& item, lb::Context&) { return ok_of(item); });
  EXPECT_LT(s.total, 100U);
  for (const auto& [id, r] : s.results) EXPECT_EQ(lb::shard_of(id, 2), 1U);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "progress" / "test_op.shard-1-of-2.json"));
}

TEST(BatchProcessor, MetricsAreSummedAcrossResume) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.deadline = 5s;
  auto items = make_items(10);
  auto fn = [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    ctx.metric("african_businesses", 1);
    if (item.value % 2 == 0) ctx.metric("even");
    ctx.set_current("MOKGADI MOTALE");
    clock->advance(1s);
    return ok_of(item);
  };
  {
    Proc proc(opt);
    auto s = proc.run(items, fn);
    EXPECT_EQ(s.status, lb::Status::deadline_exceeded);
    EXPECT_EQ(s.metrics.at("african_businesses"), 5);
    EXPECT_EQ(lb::read_progress(s.progress_file).current_item, "") << "nothing is in flight once the run ended";
  }
  opt.deadline = 0s;
  Proc proc(opt);
  auto s = proc.run(items, fn);
  EXPECT_EQ(s.status, lb::Status::completed);
  EXPECT_EQ(s.metrics.at("african_businesses"), 10);
  EXPECT_EQ(s.metrics.at("even"), 5);
  EXPECT_EQ(lb::read_progress(s.progress_file).metrics.at("african_businesses"), 10);
}

TEST(BatchProcessor, StopFromAnotherThreadInterrupts) {
  TempDir dir;
  auto opt = test_options(dir.path());
  Proc proc(opt);
  auto items = make_items(100);
  std::thread stopper;
  auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    if (item.value == 5) stopper = std::thread([&] { proc.stop(); });
    if (item.value == 5) stopper.join();
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::interrupted);
  EXPECT_EQ(lb::exit_code(s), 130);
  EXPECT_EQ(s.succeeded, 6U);  // the item in flight finishes within the grace
  EXPECT_EQ(lb::read_progress(s.progress_file).status, lb::Status::interrupted);
  proc.stop();  // no run: a no-op
}

TEST(BatchProcessor, SignalDuringRunInterruptsAndHandlersAreRestored) {
  TempDir dir;
  static std::atomic<int> app_handler_calls{0};
  struct sigaction app {};
  app.sa_handler = [](int) { ++app_handler_calls; };
  sigemptyset(&app.sa_mask);
  ASSERT_EQ(::sigaction(SIGTERM, &app, nullptr), 0);
  auto opt = test_options(dir.path());
  opt.handle_signals = true;
  std::promise<void> stopping;
  auto stopping_told = stopping.get_future();
  opt.on_phase = [&](lb::RunPhase phase, const fs::path&) {
    if (phase == lb::RunPhase::stopping) stopping.set_value();
  };
  Proc proc(opt);
  auto items = make_items(50);
  auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    if (item.value == 3) {
      std::raise(SIGTERM);
      // The watcher thread has stopped the batch once the stopping phase is told.
      EXPECT_EQ(stopping_told.wait_for(30s), std::future_status::ready);
    }
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::interrupted);
  EXPECT_EQ(s.signal, SIGTERM);
  EXPECT_EQ(lb::exit_code(s), 143);
  EXPECT_EQ(app_handler_calls.load(), 0);
  EXPECT_EQ(s.succeeded, 4U) << "items 0 to 3; none starts after the stop";
  struct sigaction now {};
  ASSERT_EQ(::sigaction(SIGTERM, nullptr, &now), 0);
  EXPECT_EQ(now.sa_handler, app.sa_handler);
  std::raise(SIGTERM);
  EXPECT_EQ(app_handler_calls.load(), 1);
}

TEST(BatchProcessor, SignalsLeftToTheApplication) {
  TempDir dir;
  static std::atomic<int> app_handler_calls{0};
  struct sigaction app {};
  app.sa_handler = [](int) { ++app_handler_calls; };
  sigemptyset(&app.sa_mask);
  ASSERT_EQ(::sigaction(SIGINT, &app, nullptr), 0);
  auto opt = test_options(dir.path());
  opt.handle_signals = false;
  Proc proc(opt);
  auto items = make_items(20);
  auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    if (item.value == 3) std::raise(SIGINT);
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::completed);
  EXPECT_EQ(app_handler_calls.load(), 1);
}

TEST(BatchProcessor, ContextLogIsBoundWithItemIdAndSummaryIsLogged) {
  TempDir dir;
  const auto log_file = init_logging(dir.path());
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.item_log_level = ll::Level::info;
  Proc proc(opt);
  auto items = make_items(5);
  auto s = proc.run(items, [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    ctx.log().info("Rule classification attempt", {{"name", "MOKGADI MOTALE"}});
    ctx.metric("african_businesses", 1);
    clock->advance(std::chrono::milliseconds(100 * (item.value + 1)));
    if (item.value == 4) return lb::Failure{"no_match", lb::Retry::no};
    return ok_of(item);
  });
  const auto attempts = events(log_file, "Rule classification attempt");
  ASSERT_EQ(attempts.size(), 5U);
  EXPECT_EQ(attempts[2]["item_id"], "item-2");
  EXPECT_EQ(attempts[2]["operation"], "test_op");
  const auto processed = events(log_file, "Item processed");
  ASSERT_EQ(processed.size(), 4U);
  EXPECT_EQ(processed[0]["level"], "info");
  const auto failed = events(log_file, "Item failed");
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_EQ(failed[0]["level"], "error");
  EXPECT_EQ(failed[0]["reason"], "no_match");
  const auto complete = events(log_file, "Batch processing complete");
  ASSERT_EQ(complete.size(), 1U);
  EXPECT_EQ(complete[0]["logger"], "operations");
  EXPECT_EQ(complete[0]["success_rate"], "80.0%");
  EXPECT_EQ(complete[0]["total_processed"], 5);
  const auto perf = events(log_file, "Performance metrics");
  ASSERT_EQ(perf.size(), 1U);
  EXPECT_EQ(perf[0]["logger"], "performance");
  EXPECT_DOUBLE_EQ(perf[0]["avg_time_ms"].get<double>(), 300.0);
  EXPECT_GE(perf[0]["p95_ms"].get<double>(), 500.0);
  EXPECT_TRUE(perf[0].contains("items_per_second"));
  const auto business = events(log_file, "Business results");
  ASSERT_EQ(business.size(), 1U);
  EXPECT_EQ(business[0]["logger"], "metrics");
  EXPECT_EQ(business[0]["african_businesses"], 5);
  EXPECT_GE(events(log_file, "Batch started").size(), 1U);
  const auto progress = events(log_file, "Progress");
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back()["logger"], "progress");
  EXPECT_EQ(progress.back()["processed"], 5);
  EXPECT_EQ(progress.back()["total"], 5);
}

TEST(BatchProcessor, ProgressIsNeverWrittenPerItem) {
  TempDir dir;
  const auto log_file = init_logging(dir.path());
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.progress_interval = 500ms;
  Proc proc(opt);
  auto items = make_items(1000);
  auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    if (item.value % 100 == 99) clock->advance(600ms);
    return ok_of(item);
  });
  EXPECT_EQ(s.succeeded, 1000U);
  const auto writes = events(log_file, "Progress").size();
  EXPECT_GE(writes, 3U);   // starting, running, completed
  EXPECT_LE(writes, 15U);  // plus at most one per interval, never per item
}

TEST(BatchProcessor, WorkersCarryTheContextOfTheCallerOfRun) {
  TempDir dir;
  const auto log_file = init_logging(dir.path());
  auto opt = test_options(dir.path());
  opt.concurrency = 3;
  Proc proc(opt);
  const ll::ScopedContext run_scope{{{"run_id", "r42"}}};
  auto s = proc.run(make_items(6), [&](const Item& item, lb::Context& ctx) {
    ctx.log().info("Classified");
    return ok_of(item);
  });
  EXPECT_EQ(s.succeeded, 6U);
  const auto classified = events(log_file, "Classified");
  ASSERT_EQ(classified.size(), 6U);
  for (const auto& e : classified) EXPECT_EQ(e.value("run_id", ""), "r42") << e.dump();
  for (const auto& e : events(log_file, "Item processed")) EXPECT_EQ(e.value("run_id", ""), "r42") << e.dump();
}

TEST(BatchProcessor, DefaultProgressDirectoryFollowsTheLogDirectory) {
  TempDir dir;
  ScopedEnv no_variable("LEADSCOUT_LOG_DIR", nullptr);
  ll::shutdown();  // an earlier test of this process may have left logging on
  EXPECT_EQ(lb::default_progress_dir(), fs::path("logs/progress")) << "without a log configuration";
  ll::Config cfg;
  cfg.dir = dir.path() / "tree";
  cfg.console = ll::ConsoleMode::off;
  ll::init(cfg);
  EXPECT_EQ(ll::log_dir(), cfg.dir);
  auto opt = test_options(dir.path());
  opt.progress_dir.clear();  // the default
  Proc proc(opt);
  const auto s = proc.run(make_items(3), [](const Item& item, lb::Context&) { return ok_of(item); });
  EXPECT_EQ(s.succeeded, 3U);
  EXPECT_EQ(s.progress_file, cfg.dir / "progress" / "test_op.json");
  EXPECT_TRUE(fs::exists(cfg.dir / "progress" / "test_op.json"));
  EXPECT_TRUE(fs::exists(cfg.dir / "progress" / "test_op.checkpoint.jsonl"));
  EXPECT_FALSE(fs::exists("logs/progress/test_op.json"));
  {
    const fs::path from_variable = dir.path() / "from-variable";
    ScopedEnv variable("LEADSCOUT_LOG_DIR", from_variable.c_str());
    EXPECT_EQ(lb::default_progress_dir(), from_variable / "progress") << "the variable wins";
  }
  ll::shutdown();
  EXPECT_EQ(ll::log_dir(), fs::path("logs"));
  EXPECT_EQ(lb::default_progress_dir(), fs::path("logs/progress")) << "after shutdown()";
}

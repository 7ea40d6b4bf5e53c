// The engine's parts on their own: the stop, and the worker pool behind the executor seam
// with a host that is not the engine.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/run_stop.hpp"
#include "engine/worker_pool.hpp"
#include "journal/journal.hpp"

#include "batch_test_utils.hpp"

using namespace leadscout::test::batch;
using namespace std::chrono_literals;
namespace lbd = leadscout::batch::detail;

namespace {

lb::Options stop_options() {
  lb::Options opt;
  opt.operation = "op";
  opt.shutdown_grace = 10s;
  opt.deadline = 1min;
  return opt;
}

}  // namespace

TEST(BatchRunStop, TheFirstReasonWinsAndTheGraceEndsInCancellation) {
  const lb::Options opt = stop_options();
  lb::ManualClock clock;
  const ll::Logger log = ll::get("test");
  lbd::RunStop stop(opt, clock, log);
  stop.set_start(clock.now());
  EXPECT_FALSE(stop.stopping());
  EXPECT_EQ(stop.next_wake(), clock.now() + 1min);  // the deadline
  EXPECT_FALSE(stop.begin_if_past_deadline(clock.now(), 0));

  EXPECT_TRUE(stop.begin(lb::Status::interrupted, "SIGTERM", 15, 2));
  EXPECT_FALSE(stop.begin(lb::Status::failed, "later", 0, 2));
  EXPECT_TRUE(stop.stopping());
  EXPECT_TRUE(stop.quota_token().stop_requested());
  EXPECT_EQ(stop.status(), lb::Status::interrupted);
  EXPECT_EQ(stop.reason(), "SIGTERM");
  EXPECT_EQ(stop.signal(), 15);

  EXPECT_FALSE(stop.cancel_due(clock.now()));
  EXPECT_EQ(stop.next_wake(), clock.now() + 10s);  // the grace's end
  clock.advance(10s);
  EXPECT_TRUE(stop.cancel_due(clock.now()));
  stop.mark_cancelled();
  EXPECT_FALSE(stop.cancel_due(clock.now()));
  EXPECT_EQ(stop.next_wake(), lbd::kNever);

  stop.fail_late("journal fsync failed");
  EXPECT_EQ(stop.status(), lb::Status::failed);
  stop.fail_late("results file fsync failed");
  EXPECT_EQ(stop.reason(), "journal fsync failed");
}

TEST(BatchRunStop, ASecondRequestCancelsAtOnceAndTheDeadlineStops) {
  const lb::Options opt = stop_options();
  lb::ManualClock clock;
  const ll::Logger log = ll::get("test");
  lbd::RunStop stop(opt, clock, log);
  stop.set_start(clock.now());
  clock.advance(1min);
  EXPECT_TRUE(stop.begin_if_past_deadline(clock.now(), 0));
  EXPECT_EQ(stop.status(), lb::Status::deadline_exceeded);
  EXPECT_EQ(stop.reason(), "deadline 1m reached");
  EXPECT_FALSE(stop.cancel_due(clock.now()));
  stop.cancel_now();
  EXPECT_TRUE(stop.cancel_due(clock.now()));
}

namespace {

/// Items "item-0".."item-<n-1>" whose attempts all succeed.
class OkJob final : public lbd::Job {
 public:
  explicit OkJob(std::size_t n) : commits_(n, 0) {
    for (std::size_t i = 0; i < n; ++i) ids_.push_back("item-" + std::to_string(i));
  }
  [[nodiscard]] std::size_t size() const noexcept override { return ids_.size(); }
  [[nodiscard]] const std::vector<std::string>& ids() const noexcept override { return ids_; }
  [[nodiscard]] const void* item(std::size_t index) const noexcept override { return &ids_[index]; }
  bool attempt(std::size_t, std::size_t, lb::Context&, lb::Failure&, std::string& result_json) noexcept override {
    result_json = "1";
    return true;
  }
  std::string commit(std::size_t, std::size_t index) noexcept override {
    ++commits_[index];  // one attempt per item: no two threads touch one counter
    return {};
  }
  void discard(std::size_t) noexcept override {}
  bool load(std::size_t, std::string_view, std::string_view, std::string&) noexcept override { return true; }

  std::vector<int> commits_;

 private:
  std::vector<std::string> ids_;
};

/// A host that admits every item once and records how each attempt ended.
class RecordingHost final : public lbd::ExecutorHost {
 public:
  RecordingHost(std::size_t items, lb::Clock& clock) : items_(items), clock_(clock) {}

  std::mutex& mutex() noexcept override { return m_; }
  void wake_coordinator() override { cv_.notify_all(); }
  void wake_coordinator_by(lbd::time_point) override {}
  lbd::Admit admit(lbd::Scheduler::Attempt& out, lbd::time_point& now) override {
    now = clock_.now();
    if (next_ < items_) {
      out = lbd::Scheduler::Attempt{next_++, 0};
      ++in_flight_;
      return lbd::Admit::attempt;
    }
    return in_flight_ == 0 ? lbd::Admit::end : lbd::Admit::wait;
  }
  void completed(const lbd::Finished& f, const lbd::MetricList&) override {
    ++ended_[f.index];
    ok_ += f.kind == lbd::Finished::Kind::ok ? 1 : 0;
    if (--in_flight_ == 0 && next_ == items_) {
      executor_->wake();  // the workers waiting for more learn that nothing comes
      cv_.notify_all();
    }
  }
  bool timed_out(std::size_t, int, double, lbd::time_point) override {
    ADD_FAILURE() << "no attempt has a deadline";
    return false;
  }
  void cancelled(std::size_t) override { ADD_FAILURE() << "nothing was cancelled"; }
  void release_item(std::size_t) override {}
  const std::shared_ptr<lbd::QuotaState>& quota(std::string_view) const override { throw lb::Error("no quotas"); }
  std::stop_token quota_stop() const noexcept override { return {}; }
  void budget_exhausted(std::string_view, const lbd::QuotaState&) override {}
  lbd::RunTelemetry& telemetry() noexcept override { return telemetry_; }

  /// Waits until every item ended.
  void wait_all(std::unique_lock<std::mutex>& lock) {
    cv_.wait(lock, [this] { return next_ == items_ && in_flight_ == 0; });
  }

  lbd::Executor* executor_ = nullptr;
  std::map<std::size_t, int> ended_;
  std::size_t ok_ = 0;

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::size_t items_;
  lb::Clock& clock_;
  std::size_t next_ = 0;
  std::size_t in_flight_ = 0;
  lbd::RunTelemetry telemetry_;
};

}  // namespace

// The seam's contract with another host than the engine: every admitted attempt ends exactly
// once, and its record is in the journal before it is reported.
TEST(BatchWorkerPool, EveryAdmittedAttemptEndsOnceAfterItsJournalRecord) {
  TempDir dir;
  constexpr std::size_t kItems = 200;
  OkJob job(kItems);
  lb::Options opt = stop_options();
  opt.deadline = 0ms;
  lb::ManualClock clock;
  const ll::Logger log = ll::get("test");
  lbd::Journal journal;
  (void)journal.open(dir.path() / "op.checkpoint.jsonl",
                     lbd::JournalHeader{"op", "fingerprint", kItems, "2025-07-06T10:30:15.000Z", std::nullopt}, false,
                     [](const lbd::JournalRecord&) {});
  const std::atomic<bool> stopping{false};
  const lbd::AttemptEnv env{job, journal, opt, clock, log, job.ids(), stopping, nullptr};
  RecordingHost host(kItems, clock);
  lbd::WorkerPool pool(host, env, 4, 42);
  host.executor_ = &pool;

  std::unique_lock lock(host.mutex());
  pool.start();
  host.wait_all(lock);
  pool.wind_down(lock);
  lock.unlock();
  journal.close();

  ASSERT_EQ(host.ended_.size(), kItems);
  for (const auto& [index, times] : host.ended_) EXPECT_EQ(times, 1) << "item " << index;
  EXPECT_EQ(host.ok_, kItems);
  for (std::size_t i = 0; i < kItems; ++i) EXPECT_EQ(job.commits_[i], 1) << "item " << i;
  const auto ok = ok_counts(dir.path() / "op.checkpoint.jsonl");
  EXPECT_EQ(ok.size(), kItems);
}

// Faults under a running batch: progress writes slower than their interval, the progress
// directory deleted, covered by a read-only file system, and full. The mount tests need mount(2)
// (root with CAP_SYS_ADMIN) and are skipped where the test cannot mount.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "batch_test_utils.hpp"

using namespace leadscout::test::batch;
using namespace std::chrono_literals;

namespace {

using Proc = lb::BackgroundProcessor<Item, Out>;

lb::Outcome<Out> ok_of(const Item& item) { return Out{item.value * 2, "ok"}; }

/// Waits (at most 20 s of real time) until an event with this name and a field containing
/// `text` was logged.
bool wait_event(const fs::path& log_file, const std::string& event, const std::string& text = "") {
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    for (const auto& e : events(log_file, event)) {
      if (text.empty() || e.dump().find(text) != std::string::npos) return true;
    }
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

/// After a run: the journal at its path holds every item exactly once, and a second run
/// resumes all of them without calling the callback.
void expect_complete_and_resumable(const lb::Options& opt, const std::vector<Item>& items) {
  const auto counts = ok_counts(opt.progress_dir / (opt.operation + ".checkpoint.jsonl"));
  EXPECT_EQ(counts.size(), items.size());
  for (const auto& [id, n] : counts) ASSERT_EQ(n, 1) << id;
  Proc again(opt);
  const auto s = again.run(items, [](const Item& item, lb::Context&) {
    ADD_FAILURE() << item.id << " ran twice";
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::completed);
  EXPECT_EQ(s.skipped_resumed, items.size());
}

/// Real time, except that each wall-clock reading (a progress write takes two) moves the steady
/// time 50 ms on: every progress write looks slower than a 10 ms interval.
class SlowWritesClock final : public lb::Clock {
 public:
  [[nodiscard]] time_point now() const noexcept override { return std::chrono::steady_clock::now() + skew(); }
  [[nodiscard]] std::chrono::system_clock::time_point system_now() const noexcept override {
    skew_ns_ += 50'000'000;
    return std::chrono::system_clock::now();
  }
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, time_point deadline,
                  bool) override {
    cv.wait_until(lock, deadline - skew());
  }

 private:
  [[nodiscard]] duration skew() const { return std::chrono::nanoseconds(skew_ns_.load()); }
  mutable std::atomic<std::int64_t> skew_ns_{0};
};

}  // namespace

TEST(BatchFaults, ProgressWritesSlowerThanTheIntervalLeaveTheJournalItsChecks) {
  TempDir dir;
  const auto log_file = init_logging(dir.path());
  auto opt = test_options(dir.path(), std::make_shared<SlowWritesClock>());
  opt.progress_interval = 10ms;
  opt.checkpoint_interval = 10ms;
  const auto items = make_items(100);
  Proc proc(opt);
  const auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    if (item.value == 50) {
      fs::remove(opt.progress_dir / "test_op.checkpoint.jsonl");
      // Only the journal's periodic check, between the progress writes, brings it back.
      EXPECT_TRUE(wait_event(log_file, "Journal file", "written anew"));
    }
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::completed) << s.reason;
  expect_complete_and_resumable(opt, items);
}

TEST(BatchFaults, ProgressDirectoryDeletedMidRunComesBackWithEveryRecord) {
  TempDir dir;
  const auto log_file = init_logging(dir.path());
  auto opt = test_options(dir.path());
  opt.concurrency = 2;
  const auto items = make_items(300);
  Proc proc(opt);
  const auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    if (item.value == 100) fs::remove_all(opt.progress_dir);
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::completed) << s.reason;
  EXPECT_EQ(s.succeeded, 300U);
  EXPECT_TRUE(wait_event(log_file, "Journal file", "written anew"));
  EXPECT_EQ(lb::read_progress(opt.progress_dir / "test_op.json").status, lb::Status::completed);
  expect_complete_and_resumable(opt, items);
}

TEST(BatchFaults, ProgressDirectoryReadOnlyMidRunIsReportedAndRecovered) {
  leadscout::test::ScratchMount tmpfs("16m");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here";
  TempDir dir;
  const auto log_file = init_logging(dir.path());
  auto opt = test_options(dir.path());
  opt.progress_dir = tmpfs.path();
  opt.progress_interval = 10ms;
  opt.checkpoint_interval = 10ms;
  const auto items = make_items(200);
  bool covered = false;
  bool uncovered = false;
  Proc proc(opt);
  const auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    if (item.value == 50) {
      covered = tmpfs.cover_read_only();
      // Both the progress writer and the journal's path check meet the read-only cover.
      EXPECT_TRUE(wait_event(log_file, "Progress file not written"));
      EXPECT_TRUE(wait_event(log_file, "Journal file", "cannot be written anew yet"));
    }
    if (item.value == 100 && covered) {
      uncovered = tmpfs.uncover();
      EXPECT_TRUE(wait_event(log_file, "Progress file written again"));
      EXPECT_TRUE(wait_event(log_file, "Journal file", "is back at its path"));
    }
    return ok_of(item);
  });
  ASSERT_TRUE(covered && uncovered) << "cannot mount over the tmpfs";
  EXPECT_EQ(s.status, lb::Status::completed) << s.reason;
  EXPECT_EQ(s.succeeded, 200U);
  EXPECT_EQ(lb::read_progress(opt.progress_dir / "test_op.json").status, lb::Status::completed);
  expect_complete_and_resumable(opt, items);
}

TEST(BatchFaults, FullDeviceStopsTheBatchAsFailedAndLosesNothing) {
  leadscout::test::ScratchMount tmpfs("256k");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here";
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.progress_dir = tmpfs.path();
  opt.concurrency = 4;
  const auto items = make_items(20000);  // ~2 MB of journal: far more than the device holds
  Proc proc(opt);
  const auto s = proc.run(items, [](const Item& item, lb::Context&) { return ok_of(item); });
  EXPECT_EQ(s.status, lb::Status::failed);
  EXPECT_NE(s.reason.find("journal write failed"), std::string::npos) << s.reason;
  EXPECT_GT(s.succeeded, 0U);
  EXPECT_LT(s.succeeded, items.size());
  // Every item the summary counts as done is in the journal, and each line is whole.
  EXPECT_EQ(ok_counts(s.journal_file).size(), s.succeeded);

  ASSERT_TRUE(tmpfs.remount("size=64m"));
  Proc resumed(opt);
  const auto s2 = resumed.run(items, [](const Item& item, lb::Context&) { return ok_of(item); });
  EXPECT_EQ(s2.status, lb::Status::completed) << s2.reason;
  EXPECT_EQ(s2.skipped_resumed, s.succeeded);
  expect_complete_and_resumable(opt, items);
}

TEST(BatchFaults, FileSystemWithoutPreallocationGetsPlainWrites) {
  leadscout::test::ScratchMount ramfs("0", "ramfs");  // ramfs has no fallocate
  if (!ramfs.mounted()) GTEST_SKIP() << "cannot mount a ramfs here";
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.progress_dir = ramfs.path();
  opt.concurrency = 4;
  const auto items = make_items(500);
  const auto journal = ramfs.path() / "test_op.checkpoint.jsonl";
  std::uintmax_t largest_seen = 0;
  Proc proc(opt);
  const auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    if (item.value == 250) {  // while open: only whole lines, no preallocated tail
      const std::string content = read_file(journal);
      EXPECT_EQ(content.find('\0'), std::string::npos);
      EXPECT_EQ(content.back(), '\n');
      largest_seen = content.size();
    }
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::completed) << s.reason;
  EXPECT_GT(largest_seen, 0U);
  expect_complete_and_resumable(opt, items);
}

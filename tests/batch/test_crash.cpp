// Real child processes: SIGKILL at random points, SIGINT/SIGTERM, a full disk.
#include <gtest/gtest.h>

#include <csignal>
#include <random>

#include "batch_test_utils.hpp"
#include "child_process.hpp"

using namespace leadscout::test::batch;
using namespace std::chrono_literals;

namespace {

const std::string kChild = BATCH_CHILD;

/// Every complete line of the journal parses; only the last may be torn (no newline).
void expect_journal_readable(const fs::path& journal) {
  const std::string content = read_file(journal);
  std::size_t start = 0;
  while (start < content.size()) {
    const auto nl = content.find('\n', start);
    if (nl == std::string::npos) break;  // torn tail: allowed, the next run cuts it off
    const auto line = content.substr(start, nl - start);
    ASSERT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << line;
    start = nl + 1;
  }
}

std::optional<lb::ProgressSnapshot> try_progress(const fs::path& file) {
  try {
    return lb::read_progress(file);
  } catch (const lb::Error&) {
    return std::nullopt;
  }
}

/// Waits until the child's progress file reports at least `processed` items.
bool wait_progress(const fs::path& file, std::uint64_t processed) {
  for (int i = 0; i < 10000; ++i) {
    if (auto p = try_progress(file); p && p->status == lb::Status::running && p->processed >= processed) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

}  // namespace

TEST(BatchCrash, SigkillAtRandomPointsLosesAndDuplicatesNothing) {
  TempDir dir;
  const auto progress = dir.path() / "progress";
  const auto journal = progress / "child.checkpoint.jsonl";
  const auto out = (dir.path() / "out.txt").string();
  std::mt19937 rng(20250706);
  std::uniform_int_distribution<int> delay_ms(4, 30);
  int kills = 0;
  for (int round = 0; round < 200 && kills < 20; ++round) {
    const pid_t pid = spawn({kChild, progress.string(), "2000", "1000"}, out);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ::kill(pid, SIGKILL);
    const auto status = wait_exit(pid);
    ASSERT_TRUE(status.has_value());
    if (WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) ++kills;
    if (WIFEXITED(*status)) {
      ASSERT_EQ(WEXITSTATUS(*status), 0) << read_file(out);
    }
    if (fs::exists(journal)) {
      expect_journal_readable(journal);
      for (const auto& [id, n] : [&] {
             // Only complete lines count; a torn tail is cut off by the next run.
             std::map<std::string, int> counts;
             const auto lines = read_lines(journal);
             for (std::size_t i = 1; i < lines.size(); ++i) {
               auto j = nlohmann::json::parse(lines[i], nullptr, false);
               if (!j.is_discarded() && j["status"] == "ok") ++counts[j["id"].get<std::string>()];
             }
             return counts;
           }()) {
        ASSERT_EQ(n, 1) << id << " after round " << round;
      }
    }
  }
  EXPECT_GE(kills, 20);
  const pid_t pid = spawn({kChild, progress.string(), "2000", "1000"}, out);
  const auto status = wait_exit(pid);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0) << read_file(out);
  EXPECT_NE(read_file(out).find("status=completed succeeded=2000 results=2000"), std::string::npos)
      << read_file(out);
  const auto counts = ok_counts(journal);
  EXPECT_EQ(counts.size(), 2000U);
  for (const auto& [id, n] : counts) ASSERT_EQ(n, 1) << id;
  expect_journal_readable(journal);
}

class BatchSignal : public ::testing::TestWithParam<int> {};

TEST_P(BatchSignal, GracefulStopThenResume) {
  const int sig = GetParam();
  TempDir dir;
  const auto progress = dir.path() / "progress";
  const auto out = (dir.path() / "out.txt").string();
  const pid_t pid = spawn({kChild, progress.string(), "400", "5000"}, out);
  ASSERT_TRUE(wait_progress(progress / "child.json", 20));
  ::kill(pid, sig);
  const auto status = wait_exit(pid, 20s);
  ASSERT_TRUE(status.has_value()) << "child did not exit within the grace period";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), sig == SIGINT ? 130 : 143);
  const auto p = lb::read_progress(progress / "child.json");
  EXPECT_EQ(p.status, lb::Status::interrupted);
  EXPECT_LT(p.processed, 400U);
  EXPECT_EQ(p.in_flight, 0U);
  // Journal flushed: every item the progress file counts is in it.
  EXPECT_EQ(ok_counts(progress / "child.checkpoint.jsonl").size(), p.succeeded);

  const pid_t again = spawn({kChild, progress.string(), "400", "0"}, out);
  const auto status2 = wait_exit(again);
  ASSERT_TRUE(status2.has_value());
  EXPECT_EQ(WEXITSTATUS(*status2), 0);
  EXPECT_NE(read_file(out).find("status=completed succeeded=400 results=400 skipped=" + std::to_string(p.succeeded)),
            std::string::npos)
      << read_file(out);
  const auto counts = ok_counts(progress / "child.checkpoint.jsonl");
  EXPECT_EQ(counts.size(), 400U);
  for (const auto& [id, n] : counts) ASSERT_EQ(n, 1) << id;
}

INSTANTIATE_TEST_SUITE_P(SigintAndSigterm, BatchSignal, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& test) { return std::string(test.param == SIGINT ? "SIGINT" : "SIGTERM"); });

TEST(BatchSignalTwice, SecondSignalCancelsInFlightItems) {
  TempDir dir;
  const auto progress = dir.path() / "progress";
  const auto out = (dir.path() / "out.txt").string();
  // Items take a minute and the grace is 30 s: only the second signal ends it quickly.
  const pid_t pid = spawn({kChild, progress.string(), "20", "60000000"}, out);
  // Items in flight, not only "running": a first signal before any item starts ends the run at
  // once, and the second would then meet the default handler.
  for (int i = 0; i < 10000; ++i) {
    auto p = try_progress(progress / "child.json");
    if (p && p->status == lb::Status::running && p->in_flight > 0) break;
    std::this_thread::sleep_for(1ms);
  }
  ::kill(pid, SIGTERM);
  // The second signal must come after the first was handled: two pending SIGTERMs merge.
  bool stopping = false;
  for (int i = 0; i < 10000 && !stopping; ++i) {
    stopping = read_file(out).find("phase=stopping") != std::string::npos;
    if (!stopping) std::this_thread::sleep_for(1ms);
  }
  if (!stopping) ::kill(pid, SIGKILL);
  ASSERT_TRUE(stopping) << read_file(out);
  ::kill(pid, SIGTERM);
  const auto status = wait_exit(pid, 15s);
  ASSERT_TRUE(status.has_value()) << "the second SIGTERM did not cancel the in-flight items";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 143);
  const auto p = lb::read_progress(progress / "child.json");
  EXPECT_EQ(p.status, lb::Status::interrupted);
  EXPECT_EQ(p.succeeded, 0U);
}

TEST(BatchDiskFull, JournalWriteFailureStopsAsFailedAndLosesNothing) {
  TempDir dir;
  const auto progress = dir.path() / "progress";
  const auto out = (dir.path() / "out.txt").string();
  const pid_t pid = spawn({kChild, progress.string(), "2000", "0", "16384"}, out);
  const auto status = wait_exit(pid);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1) << read_file(out);
  EXPECT_NE(read_file(out).find("status=failed"), std::string::npos) << read_file(out);
  const auto p = lb::read_progress(progress / "child.json");
  EXPECT_EQ(p.status, lb::Status::failed);
  EXPECT_NE(p.reason.find("journal write failed"), std::string::npos) << p.reason;
  EXPECT_GT(p.succeeded, 0U);
  EXPECT_LT(p.succeeded, 2000U);

  const pid_t again = spawn({kChild, progress.string(), "2000", "0"}, out);
  const auto status2 = wait_exit(again);
  ASSERT_TRUE(status2.has_value());
  EXPECT_EQ(WEXITSTATUS(*status2), 0) << read_file(out);
  const auto counts = ok_counts(progress / "child.checkpoint.jsonl");
  EXPECT_EQ(counts.size(), 2000U);
  for (const auto& [id, n] : counts) ASSERT_EQ(n, 1) << id;
}

// A cron job or a Kubernetes Job must tell a run that lost items from a clean one: the process
// exits 5 when items failed finally, 0 when every item succeeded.
TEST(BatchExitCode, ARunWithFailedItemsExits5AndACleanOneExits0) {
  TempDir dir;
  const auto out = (dir.path() / "out.txt").string();
  const auto failing = dir.path() / "failing";
  const pid_t pid = spawn({kChild, failing.string(), "50", "0", "0", "10"}, out);
  const auto status = wait_exit(pid);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 5) << read_file(out);
  EXPECT_NE(read_file(out).find("status=completed succeeded=45 results=45 skipped=0 failed=5"), std::string::npos)
      << read_file(out);
  const auto p = lb::read_progress(failing / "child.json");
  EXPECT_EQ(p.status, lb::Status::completed);
  EXPECT_EQ(p.failed, 5U);

  const auto clean = dir.path() / "clean";
  const pid_t ok = spawn({kChild, clean.string(), "50", "0"}, out);
  const auto ok_status = wait_exit(ok);
  ASSERT_TRUE(ok_status.has_value());
  ASSERT_TRUE(WIFEXITED(*ok_status));
  EXPECT_EQ(WEXITSTATUS(*ok_status), 0) << read_file(out);
  EXPECT_NE(read_file(out).find("status=completed succeeded=50 results=50 skipped=0 failed=0"), std::string::npos)
      << read_file(out);
}

// Async delivery: flush() waits, nothing is lost or interleaved under 8 producers, drop mode
// counts, sync mode works, and exit flushes.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "log_test_utils.hpp"

namespace lt = leadscout::test;
namespace ll = leadscout::log;

namespace {
std::filesystem::path operations_file(const lt::TempDir& dir) {
  return dir.path() / "logs/production/operations-2025-07-06.log";
}
}  // namespace

TEST(LogAsync, FlushReturnsWhenEverythingIsOnDisk) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  ll::init(lt::test_config(dir, &clock));
  auto log = ll::get("production");
  for (int round = 1; round <= 5; ++round) {
    for (int i = 0; i < 1000; ++i) log.info("Item processed", {{"i", i}});
    ll::flush();
    EXPECT_EQ(lt::read_lines(operations_file(dir)).size(), static_cast<std::size_t>(round * 1000));
  }
  ll::shutdown();
}

TEST(LogAsync, EightThreadsTenThousandEventsNoneLostOrInterleaved) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  auto cfg = lt::test_config(dir, &clock);
  cfg.queue_size = 1024;  // small, so producers really block on a full queue
  ll::init(cfg);
  constexpr int threads = 8, per_thread = 10000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([t] {
      auto log = ll::get("production").bind({{"thread", t}});
      const std::string padding(200, static_cast<char>('a' + t));  // long lines show interleaving
      for (int i = 0; i < per_thread; ++i) log.info("Item processed", {{"seq", i}, {"pad", padding}});
    });
  }
  for (auto& w : workers) w.join();
  ll::shutdown();
  std::map<int, int> next;  // thread -> next expected seq
  std::size_t count = 0;
  for (const auto& line : lt::read_lines(operations_file(dir))) {
    const auto j = nlohmann::json::parse(line);
    const int t = j["thread"];
    EXPECT_EQ(j["seq"].get<int>(), next[t]) << "events of one thread keep their order";
    EXPECT_EQ(j["pad"].get<std::string>(), std::string(200, static_cast<char>('a' + t)));
    ++next[t];
    ++count;
  }
  EXPECT_EQ(count, static_cast<std::size_t>(threads * per_thread));
  for (int t = 0; t < threads; ++t) EXPECT_EQ(next[t], per_thread);
}

TEST(LogAsync, SyncModeWritesBeforeReturning) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  auto cfg = lt::test_config(dir, &clock);
  cfg.async = false;
  ll::init(cfg);
  ll::get("production").info("one");
  ll::flush();
  EXPECT_EQ(lt::read_lines(operations_file(dir)).size(), 1u);
  ll::shutdown();
}

TEST(LogAsync, DropModeCountsWhatItDrops) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  auto cfg = lt::test_config(dir, &clock);
  cfg.overflow = ll::Overflow::drop;
  cfg.queue_size = 16;
  ll::init(cfg);
  auto log = ll::get("production");
  const std::string big(4000, 'x');  // slow the backend down relative to the producers
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) log.info("burst", {{"pad", big}});
    });
  }
  for (auto& w : workers) w.join();
  ll::flush();  // must return even though barriers may be dropped too
  const auto stats = ll::stats();
  const auto written = lt::read_lines(operations_file(dir)).size();
  ll::shutdown();
  EXPECT_EQ(written + stats.dropped, 80000u) << "every event is written or counted as dropped";
  EXPECT_EQ(stats.events_by_level[static_cast<int>(ll::Level::info)], written);
}

TEST(LogAsync, ReinitReplacesConfiguration) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  ll::init(lt::test_config(dir, &clock));
  auto log = ll::get("production");  // the handle outlives the configuration
  log.info("first");
  auto cfg = lt::test_config(dir, &clock);
  cfg.level = ll::Level::warning;
  ll::init(cfg);
  log.info("filtered");
  log.warning("second");
  ll::shutdown();
  const auto lines = lt::read_json_lines(operations_file(dir));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["event"], "second");
}

class LogExit : public ::testing::TestWithParam<const char*> {};

TEST_P(LogExit, ProcessExitFlushesEverything) {
  lt::TempDir dir;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setenv("LEADSCOUT_LOG_DIR", (dir.path() / "logs").c_str(), 1);
    ::setenv("LEADSCOUT_LOG_CONSOLE", "off", 1);
    ::execl(LOG_CHILD, LOG_CHILD, "20000", GetParam(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  std::size_t lines = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "logs/production")) {
    if (e.path().filename().string().rfind("operations-", 0) == 0) lines += lt::read_lines(e.path()).size();
  }
  EXPECT_EQ(lines, 20000u);
}

INSTANTIATE_TEST_SUITE_P(ReturnAndExit, LogExit, ::testing::Values("return", "exit"));

TEST(LogAsync, RecentEventsKeepsWarningsAndWorseNewestFirst) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  ll::init(lt::test_config(dir, &clock));
  EXPECT_TRUE(ll::recent_events().empty());
  auto log = ll::get("api");
  log.info("not kept");
  log.warning("w1");
  log.error("e1");
  log.critical("c1");
  for (int i = 0; i < 600; ++i) log.warning("flood");
  log.error("e2");
  ll::flush();
  const auto all = ll::recent_events(ll::Level::warning, 1000);
  EXPECT_EQ(all.size(), 256u + 3u) << "bounded; the warning flood does not push errors out";
  EXPECT_EQ(nlohmann::json::parse(all.front())["event"], "e2");
  const auto errors = ll::recent_events(ll::Level::error, 10);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(errors[0])["event"], "e2");
  EXPECT_EQ(nlohmann::json::parse(errors[1])["event"], "c1");
  EXPECT_EQ(nlohmann::json::parse(errors[2])["event"], "e1");
  EXPECT_EQ(ll::recent_events(ll::Level::warning, 2).size(), 2u);
  ll::shutdown();
  EXPECT_TRUE(ll::recent_events().empty());
}

TEST(LogAsync, SigtermWhileEightThreadsLogFlushesEverythingLoggedBefore) {
  lt::TempDir dir;
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::setenv("LEADSCOUT_LOG_DIR", (dir.path() / "logs").c_str(), 1);
    ::setenv("LEADSCOUT_LOG_CONSOLE", "off", 1);
    ::execl(LOG_CHILD, LOG_CHILD, "0", "sigterm", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  char ready[8] = {};
  ASSERT_GT(::read(out[0], ready, sizeof ready - 1), 0);  // the producers are running
  ::close(out[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let them log for a while
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 143);

  // Each thread's events form an unbroken run 0, 1, 2, ...: nothing logged before the
  // shutdown is missing, and every line is whole.
  std::map<int, int> next;
  std::size_t lines = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "logs/production")) {
    if (e.path().filename().string().rfind("operations-", 0) != 0) continue;
    for (const auto& line : lt::read_lines(e.path())) {
      const auto j = nlohmann::json::parse(line);
      const int t = j["thread"];
      ASSERT_EQ(j["seq"].get<int>(), next[t]) << "thread " << t << " lost an event";
      ++next[t];
      ++lines;
    }
  }
  EXPECT_EQ(next.size(), 8u);
  EXPECT_GT(lines, 1000u);
}

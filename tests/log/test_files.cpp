// File modes and failing sinks: nothing crashes, nothing blocks, the rest keeps working.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "log_test_utils.hpp"

namespace lt = leadscout::test;
namespace ll = leadscout::log;
using namespace std::chrono_literals;

namespace {

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 07777;
}

}  // namespace

TEST(LogFiles, ModesAre0640And0750) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  const mode_t old_umask = ::umask(0);  // the library itself must restrict, not the umask
  ll::init(lt::test_config(dir, &clock));
  ll::get("classification").debug("x");
  ll::get("progress").info("p");
  ll::shutdown();
  ::umask(old_umask);
  const auto logs = dir.path() / "logs";
  EXPECT_EQ(mode_of(logs), 0750u);
  EXPECT_EQ(mode_of(logs / "debug"), 0750u);
  EXPECT_EQ(mode_of(logs / "debug/classification-2025-07-06.log"), 0640u);
  EXPECT_EQ(mode_of(logs / "progress/current-operation.log"), 0640u);
}

TEST(LogFiles, FailingFileIsReportedOnceCountedAndOthersKeepWorking) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  auto cfg = lt::test_config(dir, &clock);
  cfg.routes.push_back({"/dev/full", {"*"}, ll::Level::debug});
  ll::init(cfg);
  const std::string err = lt::capture_stderr([&] {
    for (int i = 0; i < 50; ++i) {
      ll::get("production").info("event", {{"i", i}});
      ll::flush();  // every flush hits ENOSPC on /dev/full
      clock.advance(300ms);
    }
  });
  const auto stats = ll::stats();
  ll::shutdown();
  EXPECT_NE(err.find("/dev/full"), std::string::npos) << err;
  EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
  std::size_t reports = 0;
  for (std::size_t at = err.find("cannot "); at != std::string::npos; at = err.find("cannot ", at + 1)) ++reports;
  EXPECT_EQ(reports, 1u) << "the first failure is reported, the rest counted:\n" << err;
  EXPECT_GT(stats.sink_errors, 10u);
  const auto lines = lt::read_json_lines(dir.path() / "logs/production/operations-2025-07-06.log");
  EXPECT_EQ(lines.size(), 50u) << "the other files got every event";
}

TEST(LogFiles, DeletedDirectoryIsRecreated) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  ll::init(lt::test_config(dir, &clock));
  auto log = ll::get("production");
  log.info("before");
  ll::flush();
  std::filesystem::remove_all(dir.path() / "logs/production");
  clock.advance(2s);  // the open file is re-checked once a second (event time)
  log.info("after");
  ll::shutdown();
  const auto lines = lt::read_json_lines(dir.path() / "logs/production/operations-2025-07-06.log");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["event"], "after");
}

TEST(LogFiles, UnwritablePathRecoversWhenItBecomesWritable) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  auto cfg = lt::test_config(dir, &clock);
  cfg.routes = {ll::Route{"blocked/out-{date}.log", {"*"}, ll::Level::debug}};
  ll::init(cfg);
  // A regular file where the directory should be: creating the log fails even for root.
  std::ofstream(dir.path() / "logs/blocked") << "in the way";
  auto log = ll::get("x");
  const std::string err = lt::capture_stderr([&] {
    log.info("lost while blocked");
    ll::flush();
  });
  EXPECT_NE(err.find("blocked"), std::string::npos) << err;
  std::filesystem::remove(dir.path() / "logs/blocked");
  clock.advance(2s);
  log.info("written after recovery");
  ll::shutdown();
  const auto lines = lt::read_json_lines(dir.path() / "logs/blocked/out-2025-07-06.log");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["event"], "written after recovery");
}

TEST(LogFiles, LineTornByAnEarlierCrashDoesNotSwallowTheNextLine) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  const auto file = dir.path() / "logs/production/operations-2025-07-06.log";
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << "{\"timestamp\":\"2025-07-06T11:59:59.000000Z\",\"level\":\"info\",\"logger\":\"x\",\"eve";
  ll::init(lt::test_config(dir, &clock));
  ll::get("production").info("after the crash");
  ll::shutdown();
  const auto lines = lt::read_lines(file);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_FALSE(nlohmann::json::accept(lines[0])) << "the torn line stays torn";
  EXPECT_EQ(nlohmann::json::parse(lines[1])["event"], "after the crash") << "but the next one is whole";
}

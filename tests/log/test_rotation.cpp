// Daily rotation, compression and retention, driven by an injected clock.
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

#include "log_test_utils.hpp"

namespace lt = leadscout::test;
namespace ll = leadscout::log;
using namespace std::chrono_literals;

namespace {
std::vector<std::string> events_of(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& line : lt::split_lines(text)) out.push_back(nlohmann::json::parse(line)["event"]);
  return out;
}
}  // namespace

TEST(LogRotation, MidnightMovesFilesAndCompressesYesterday) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 5, 23, 59, 58));
  ll::init(lt::test_config(dir, &clock));
  auto log = ll::get("production");
  log.info("day-1 a");
  clock.advance(1s);
  log.info("day-1 b");
  ll::flush();
  const auto logs = dir.path() / "logs";
  EXPECT_TRUE(std::filesystem::exists(logs / "production/operations-2025-07-05.log"));

  clock.advance(2s);  // 00:00:01 on the 6th, same process, no restart
  log.info("day-2 a");
  ll::get("classification").debug("day-2 debug");
  ll::shutdown();  // waits for the compression job

  EXPECT_FALSE(std::filesystem::exists(logs / "production/operations-2025-07-05.log"));
  const auto gz = logs / "production/operations-2025-07-05.log.gz";
  ASSERT_TRUE(std::filesystem::exists(gz));
  EXPECT_EQ(events_of(lt::read_gzip(gz)), (std::vector<std::string>{"day-1 a", "day-1 b"}));
  EXPECT_EQ(events_of(lt::read_file(logs / "production/operations-2025-07-06.log")),
            (std::vector<std::string>{"day-2 a"}));
  EXPECT_TRUE(std::filesystem::exists(logs / "debug/classification-2025-07-06.log"));
  const auto mode = std::filesystem::status(gz).permissions();
  EXPECT_EQ(mode & std::filesystem::perms::others_all, std::filesystem::perms::none);

  // zcat, the tool operators use, reads it too.
  if (std::system("command -v zcat >/dev/null 2>&1") == 0) {
    const std::string cmd = "zcat '" + gz.string() + "' | wc -l";
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[32] = {};
    ASSERT_NE(std::fgets(buf, sizeof buf, p), nullptr);
    ::pclose(p);
    EXPECT_EQ(std::atoi(buf), 2);
  }
}

TEST(LogRotation, LateEventFromBeforeMidnightGoesToTheNewDay) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 0, 0, 1));
  ll::init(lt::test_config(dir, &clock));
  auto log = ll::get("production");
  log.info("new day");
  clock.set(lt::utc(2025, 7, 5, 23, 59, 59));  // the clock steps back across midnight
  log.info("stamped yesterday");
  ll::shutdown();
  const auto logs = dir.path() / "logs/production";
  EXPECT_FALSE(std::filesystem::exists(logs / "operations-2025-07-05.log"));
  EXPECT_EQ(events_of(lt::read_file(logs / "operations-2025-07-06.log")),
            (std::vector<std::string>{"new day", "stamped yesterday"}));
}

TEST(LogRotation, ClockJumpingDaysForwardAndBackLosesNothingAndReopensNoDay) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 5, 23, 59, 59));
  ll::init(lt::test_config(dir, &clock));
  auto log = ll::get("production");
  log.info("before the jump");
  clock.set(lt::utc(2025, 7, 8, 0, 0, 1));  // forward across three midnights (a suspended VM)
  log.info("after the jump");
  clock.set(lt::utc(2025, 7, 5, 23, 59, 58));  // back again (an NTP correction)
  log.info("clock went back");
  clock.set(lt::utc(2025, 7, 8, 0, 0, 2));
  log.info("clock is right");
  ll::shutdown();
  const auto logs = dir.path() / "logs/production";
  EXPECT_EQ(events_of(lt::read_gzip(logs / "operations-2025-07-05.log.gz")),
            (std::vector<std::string>{"before the jump"}));
  EXPECT_FALSE(std::filesystem::exists(logs / "operations-2025-07-05.log")) << "the 5th was reopened";
  EXPECT_FALSE(std::filesystem::exists(logs / "operations-2025-07-06.log"));
  EXPECT_FALSE(std::filesystem::exists(logs / "operations-2025-07-07.log"));
  EXPECT_EQ(events_of(lt::read_file(logs / "operations-2025-07-08.log")),
            (std::vector<std::string>{"after the jump", "clock went back", "clock is right"}));
}

TEST(LogRotation, RetentionDeletesOldFilesAcrossRestarts) {
  lt::TempDir dir;
  const auto logs = dir.path() / "logs";
  std::filesystem::create_directories(logs / "production");
  std::filesystem::create_directories(logs / "debug");
  auto touch = [&](const std::string& rel, const std::string& text = "{}\n") { std::ofstream(logs / rel) << text; };
  touch("production/operations-2025-05-01.log.gz");  // 66 days old
  touch("production/errors-2025-06-05.log");          // 31 days old, never compressed
  touch("production/operations-2025-06-06.log.gz");   // 30 days old: kept
  touch("debug/api-calls-2025-07-01.log", "{\"event\":\"left by a crash\"}\n");  // stale, compress
  touch("production/notes-2025-01-01.txt");            // not ours: untouched
  touch("production/operations-latest.log");           // not a dated name: untouched

  lt::FakeClock clock(lt::utc(2025, 7, 6, 9));
  ll::init(lt::test_config(dir, &clock));
  ll::shutdown();

  EXPECT_FALSE(std::filesystem::exists(logs / "production/operations-2025-05-01.log.gz"));
  EXPECT_FALSE(std::filesystem::exists(logs / "production/errors-2025-06-05.log"));
  EXPECT_TRUE(std::filesystem::exists(logs / "production/operations-2025-06-06.log.gz"));
  EXPECT_FALSE(std::filesystem::exists(logs / "debug/api-calls-2025-07-01.log"));
  EXPECT_EQ(lt::read_gzip(logs / "debug/api-calls-2025-07-01.log.gz"), "{\"event\":\"left by a crash\"}\n");
  EXPECT_TRUE(std::filesystem::exists(logs / "production/notes-2025-01-01.txt"));
  EXPECT_TRUE(std::filesystem::exists(logs / "production/operations-latest.log"));
}

TEST(LogRotation, RetentionZeroKeepsEverything) {
  lt::TempDir dir;
  const auto logs = dir.path() / "logs";
  std::filesystem::create_directories(logs / "production");
  std::ofstream(logs / "production/operations-2020-01-01.log.gz") << "x";
  lt::FakeClock clock(lt::utc(2025, 7, 6, 9));
  auto cfg = lt::test_config(dir, &clock);
  cfg.retention_days = 0;
  ll::init(cfg);
  ll::shutdown();
  EXPECT_TRUE(std::filesystem::exists(logs / "production/operations-2020-01-01.log.gz"));
}

TEST(LogRotation, SecondArchiveOfTheSameDayIsAppended) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 5, 12));
  ll::init(lt::test_config(dir, &clock));
  ll::get("production").info("first run");
  ll::shutdown();
  clock.set(lt::utc(2025, 7, 6, 12));
  ll::init(lt::test_config(dir, &clock));  // compresses the 5th at start-up
  ll::shutdown();
  clock.set(lt::utc(2025, 7, 5, 13));      // the clock went back: the 5th is written again
  ll::init(lt::test_config(dir, &clock));
  ll::get("production").info("second run");
  ll::shutdown();
  clock.set(lt::utc(2025, 7, 6, 13));
  ll::init(lt::test_config(dir, &clock));
  ll::shutdown();
  const auto gz = dir.path() / "logs/production/operations-2025-07-05.log.gz";
  EXPECT_EQ(events_of(lt::read_gzip(gz)), (std::vector<std::string>{"first run", "second run"}));
}

TEST(LogRotation, LocalTimeZoneDatesFilesAndTimestampsLocally) {
  lt::ScopedEnv tz("TZ", "XYZ-2");  // POSIX: two hours east of UTC, no tzdata needed
  ::tzset();
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 5, 22, 30));
  auto cfg = lt::test_config(dir, &clock);
  cfg.time_zone = ll::TimeZone::local;
  ll::init(cfg);
  ll::get("production").info("local");
  ll::shutdown();
  const auto lines = lt::read_json_lines(dir.path() / "logs/production/operations-2025-07-06.log");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["timestamp"], "2025-07-06T00:30:00.000000+02:00");
}

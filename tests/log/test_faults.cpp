// Fault injection on a real device: a tiny tmpfs that fills up, and that is made read-only and
// writable again while the application logs. Needs mount(2) (root with CAP_SYS_ADMIN); skipped
// where the test cannot mount.
#include <gtest/gtest.h>

#include "log_test_utils.hpp"

namespace lt = leadscout::test;
namespace ll = leadscout::log;
using namespace std::chrono_literals;

namespace {

std::size_t count_events(const std::filesystem::path& file, const std::string& event) {
  std::size_t n = 0;
  for (const auto& line : lt::read_lines(file)) {
    if (!nlohmann::json::accept(line)) continue;  // a line cut by the full device
    n += nlohmann::json::parse(line)["event"] == event;
  }
  return n;
}

/// Every logger into one dated file under dir, on the fake clock.
ll::Config one_file_config(const std::filesystem::path& dir, const lt::FakeClock& clock) {
  ll::Config cfg;
  cfg.dir = dir;
  cfg.console = ll::ConsoleMode::off;
  cfg.routes = {ll::Route{"ops-{date}.log", {"*"}, ll::Level::info}};
  cfg.clock = [&clock] { return clock.now(); };
  return cfg;
}

}  // namespace

TEST(LogFaults, FullDeviceIsCountedAndTheFileRecoversWhenSpaceComesBack) {
  lt::ScratchMount fs("64k");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here";
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  ll::init(one_file_config(fs.path(), clock));
  auto log = ll::get("production");
  const std::string pad(400, 'x');
  const std::string err = lt::capture_stderr([&] {
    for (int i = 0; i < 2000; ++i) log.info("filling", {{"i", i}, {"pad", pad}});  // ~900 KB into 64 KB
    ll::flush();
  });
  EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
  EXPECT_GT(ll::stats().sink_errors, 0u);

  ASSERT_TRUE(fs.remount("size=4m"));  // space comes back
  clock.advance(2s);                   // failures are retried at most once a second
  for (int i = 0; i < 10; ++i) log.info("after", {{"i", i}});
  ll::shutdown();
  EXPECT_EQ(count_events(fs.path() / "ops-2025-07-06.log", "after"), 10u);
}

TEST(LogFaults, ReadOnlyDirectoryMidRunIsCountedAndRecovered) {
  lt::ScratchMount fs("4m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here";
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  ll::init(one_file_config(fs.path(), clock));
  auto log = ll::get("production");
  log.info("before");
  ll::flush();
  ASSERT_TRUE(fs.cover_read_only());
  clock.advance(2s);  // the open file is re-checked once a second: it is gone, re-opening fails
  const std::string err = lt::capture_stderr([&] {
    log.info("while read-only");
    ll::flush();
  });
  EXPECT_NE(err.find("Read-only file system"), std::string::npos) << err;
  EXPECT_GT(ll::stats().sink_errors, 0u);
  ASSERT_TRUE(fs.uncover());
  clock.advance(2s);
  log.info("after");
  ll::shutdown();
  const auto file = fs.path() / "ops-2025-07-06.log";
  EXPECT_EQ(count_events(file, "before"), 1u);
  EXPECT_EQ(count_events(file, "after"), 1u) << "written once the directory is writable again";
}

// Alerts: the alert file, the alert command, deduplication and rate limits, and commands that
// fail or hang.
#include <gtest/gtest.h>

#include <unistd.h>

#include "log_test_utils.hpp"

namespace lt = leadscout::test;
namespace ll = leadscout::log;
using namespace std::chrono_literals;

namespace {

std::filesystem::path alert_file(const lt::TempDir& dir) { return dir.path() / "logs/production/alerts-2025-07-06.log"; }

}  // namespace

TEST(LogAlerts, CriticalEventsGoToTheAlertFileOncePerWindow) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 10));
  auto cfg = lt::test_config(dir, &clock);
  cfg.alerts.window = 60s;
  ll::init(cfg);
  auto api = ll::get("api");
  for (int i = 0; i < 5; ++i) {
    api.critical("Provider unreachable", {{"provider", "openai"}, {"attempt", i}});
    clock.advance(10s);
  }
  api.critical("Quota exhausted");           // another event: its own alert
  api.error("Provider slow");                // errors are not alerts by default
  clock.advance(30s);                        // 80 s after the first alert: a new window
  api.critical("Provider unreachable", {{"provider", "openai"}, {"attempt", 5}});
  ll::shutdown();
  const auto lines = lt::read_json_lines(alert_file(dir));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["event"], "Provider unreachable");
  EXPECT_EQ(lines[0]["attempt"], 0);
  EXPECT_FALSE(lines[0].contains("suppressed"));
  EXPECT_EQ(lines[1]["event"], "Quota exhausted");
  EXPECT_EQ(lines[2]["attempt"], 5);
  EXPECT_EQ(lines[2]["suppressed"], 4) << "the next alert says how many were held back";
}

TEST(LogAlerts, ErrorsAlertWhenConfigured) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 10));
  auto cfg = lt::test_config(dir, &clock);
  cfg.alerts.level = ll::Level::error;
  ll::init(cfg);
  ll::get("api").error("Provider slow");
  ll::get("api").warning("not an alert");
  ll::shutdown();
  const auto lines = lt::read_json_lines(alert_file(dir));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["level"], "error");
}

TEST(LogAlerts, RateLimitCapsAlertsOfAllKinds) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 10));
  auto cfg = lt::test_config(dir, &clock);
  cfg.alerts.max_per_window = 2;
  ll::init(cfg);
  for (int i = 0; i < 5; ++i) ll::get("api").critical("failure " + std::to_string(i));
  ll::shutdown();
  EXPECT_EQ(lt::read_lines(alert_file(dir)).size(), 2u);
}

TEST(LogAlerts, CommandReceivesTheJsonOncePerWindow) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 10));
  const auto received = dir.path() / "received.jsonl";
  auto cfg = lt::test_config(dir, &clock);
  cfg.alerts.command = "cat >> '" + received.string() + "'";
  cfg.alerts.window = 60s;
  ll::init(cfg);
  auto api = ll::get("api");
  for (int i = 0; i < 3; ++i) api.critical("Provider unreachable", {{"api_key", "sk-secret"}});
  clock.advance(61s);
  api.critical("Provider unreachable");
  ll::shutdown();  // runs the queued commands before it returns
  const auto lines = lt::read_json_lines(received);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["event"], "Provider unreachable");
  EXPECT_EQ(lines[0]["api_key"], "***") << "alerts are redacted like every line";
  EXPECT_EQ(lines[1]["suppressed"], 2);
}

TEST(LogAlerts, HangingCommandIsKilledAndReported) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 10));
  auto cfg = lt::test_config(dir, &clock);
  cfg.alerts.command = "sleep 60";
  cfg.alerts.command_timeout = 200ms;
  const std::string err = lt::capture_stderr([&] {
    ll::init(cfg);
    ll::get("api").critical("Provider unreachable");
    ll::get("production").info("the application goes on");
    ll::flush();
    ll::shutdown();
  });
  EXPECT_NE(err.find("did not finish within 200 ms and was killed"), std::string::npos) << err;
  const auto ops = lt::read_json_lines(dir.path() / "logs/production/operations-2025-07-06.log");
  EXPECT_EQ(ops.back()["event"], "the application goes on");
}

TEST(LogAlerts, FailingCommandIsReportedOnce) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 10));
  auto cfg = lt::test_config(dir, &clock);
  cfg.alerts.command = "exit 3";
  const std::string err = lt::capture_stderr([&] {
    ll::init(cfg);
    ll::get("api").critical("a");
    ll::get("api").critical("b");
    ll::shutdown();
  });
  EXPECT_NE(err.find("failed with exit status 3"), std::string::npos) << err;
  EXPECT_EQ(err.find("failed with exit status 3"), err.rfind("failed with exit status 3")) << err;
}

TEST(LogAlerts, CommandThatDoesNotReadStdinDoesNotKillTheApplication) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 10));
  auto cfg = lt::test_config(dir, &clock);
  cfg.alerts.command = "true";  // exits without reading: writing to it must not raise SIGPIPE
  ll::init(cfg);
  for (int i = 0; i < 5; ++i) ll::get("api").critical("event " + std::to_string(i), {{"pad", std::string(20000, 'x')}});
  ll::get("production").info("the application goes on");
  ll::shutdown();
  // Still alive (SIGPIPE would have ended the test binary), and nothing else was lost.
  const auto alerts = lt::read_json_lines(dir.path() / "logs/production/alerts-2025-07-06.log");
  ASSERT_EQ(alerts.size(), 5u);
  EXPECT_EQ(alerts.back()["event"], "event 4");
  const auto ops = lt::read_json_lines(dir.path() / "logs/production/operations-2025-07-06.log");
  ASSERT_FALSE(ops.empty());
  EXPECT_EQ(ops.back()["event"], "the application goes on");
}

TEST(LogAlerts, EnvironmentVariables) {
  lt::ScopedEnv a("LEADSCOUT_ALERT_COMMAND", "mail -s alert ops@example.com");
  lt::ScopedEnv b("LEADSCOUT_ALERT_LEVEL", "error");
  lt::ScopedEnv c("LEADSCOUT_ALERT_WINDOW", "120");
  lt::ScopedEnv d("LEADSCOUT_ALERT_TIMEOUT", "5");
  const auto cfg = ll::Config::from_env();
  EXPECT_EQ(cfg.alerts.command, "mail -s alert ops@example.com");
  EXPECT_EQ(cfg.alerts.level, ll::Level::error);
  EXPECT_EQ(cfg.alerts.window, 120s);
  EXPECT_EQ(cfg.alerts.command_timeout, 5s);
  lt::ScopedEnv bad("LEADSCOUT_ALERT_LEVEL", "info");
  EXPECT_THROW((void)ll::Config::from_env(), ll::ConfigError);
}

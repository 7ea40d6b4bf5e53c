// spdlog interop: captured spdlog loggers, spdlog_sink(), and routes to spdlog sinks.
#include <gtest/gtest.h>
#include <leadscout/log/spdlog.hpp>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "log_test_utils.hpp"

namespace lt = leadscout::test;
namespace ll = leadscout::log;

namespace {

const auto day = lt::utc(2025, 7, 6, 12);

/// Every event of the files under logs/ whose name starts with `prefix` (any date).
std::vector<nlohmann::json> events_in(const std::filesystem::path& dir, const std::string& prefix) {
  std::vector<nlohmann::json> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(prefix, 0) != 0) continue;
    for (auto& j : lt::read_json_lines(e.path())) out.push_back(std::move(j));
  }
  return out;
}

std::vector<std::string> event_names(const std::vector<nlohmann::json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e["event"].get<std::string>());
  return out;
}

/// One route taking every logger and level into all.log.
ll::Config all_config(const lt::TempDir& dir, const lt::FakeClock& clock) {
  auto cfg = lt::test_config(dir, &clock);
  cfg.level = ll::Level::trace;
  cfg.routes = {ll::Route{"all.log", {}, ll::Level::trace}};
  return cfg;
}

/// A spdlog logger whose only sink writes the bare message into `out`.
std::shared_ptr<spdlog::logger> stream_logger(const std::string& name, std::ostringstream& out) {
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_pattern("%v");
  return std::make_shared<spdlog::logger>(name, sink);
}

TEST(LogSpdlogProgram, ExistingCallsLandInTheirFiles) {
  lt::TempDir dir;
  ::setenv("LEADSCOUT_LOG_DIR", (dir.path() / "logs").c_str(), 1);
  ::setenv("LEADSCOUT_LOG_CONSOLE", "off", 1);
  lt::ChildProcess child({SPDLOG_CHILD, "return"}, dir.path());
  ASSERT_EQ(child.wait(), 0) << child.err();
  const auto logs = dir.path() / "logs";

  const auto ops = events_in(logs / "production", "operations-");
  EXPECT_EQ(event_names(ops), (std::vector<std::string>{"Processed 3 leads", "Slow provider openai", "Lead 7 failed",
                                                         "200 OK", "rule matched"}));
  EXPECT_EQ(ops[0]["logger"], "spdlog") << "the unnamed default logger";
  EXPECT_EQ(ops[0]["level"], "info");
  EXPECT_EQ(ops[1]["level"], "warning");
  EXPECT_EQ(ops[2]["level"], "error");
  EXPECT_EQ(ops[3]["logger"], "api.openai");
  EXPECT_EQ(ops[4]["logger"], "classification.rules");
  EXPECT_EQ(event_names(events_in(logs / "production", "errors-")), std::vector<std::string>{"Lead 7 failed"});
  EXPECT_EQ(event_names(events_in(logs / "debug", "api-calls-")), (std::vector<std::string>{"request sent", "200 OK"}));
  EXPECT_EQ(event_names(events_in(logs / "debug", "classification-")), std::vector<std::string>{"rule matched"});

  // The loggers' own sinks had the messages before the capture and after the shutdown only.
  const std::string out = child.out();
  EXPECT_NE(out.find("before capture"), std::string::npos) << out;
  EXPECT_NE(out.find("after shutdown"), std::string::npos) << out;
  EXPECT_NE(out.find("api after shutdown"), std::string::npos) << out;
  EXPECT_EQ(out.find("Processed 3 leads"), std::string::npos) << out;
  EXPECT_EQ(out.find("200 OK"), std::string::npos) << out;
  EXPECT_NE(child.err().find("later after shutdown"), std::string::npos) << child.err();
  EXPECT_NE(out.find("done"), std::string::npos);
}

TEST(LogSpdlogProgram, ExitWithCapturedLoggersWritesEverything) {
  lt::TempDir dir;
  ::setenv("LEADSCOUT_LOG_DIR", (dir.path() / "logs").c_str(), 1);
  ::setenv("LEADSCOUT_LOG_CONSOLE", "off", 1);
  lt::ChildProcess child({SPDLOG_CHILD, "exit"}, dir.path());
  ASSERT_EQ(child.wait(), 0) << child.err();
  EXPECT_EQ(events_in(dir.path() / "logs/production", "operations-").size(), 5u);
  EXPECT_EQ(child.err(), "");
}

TEST(LogSpdlog, LevelsMapAndTheDefaultLoggerIsNamedSpdlog) {
  lt::TempDir dir;
  lt::FakeClock clock(day);
  ll::init(all_config(dir, clock));
  ll::capture_spdlog();
  spdlog::set_level(spdlog::level::trace);
  spdlog::trace("t");
  spdlog::debug("d");
  spdlog::info("i {}", 1);
  spdlog::warn("w");
  spdlog::error("e");
  spdlog::critical("c");
  ll::flush();
  const auto events = lt::read_json_lines(dir.path() / "logs/all.log");
  ASSERT_EQ(events.size(), 6u);
  const std::vector<std::string> levels = {"trace", "debug", "info", "warning", "error", "critical"};
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["level"], levels[i]);
    EXPECT_EQ(events[i]["logger"], "spdlog");
  }
  EXPECT_EQ(events[2]["event"], "i 1");
}

TEST(LogSpdlog, EventsAreFilteredAndCappedLikeAnyOther) {
  lt::TempDir dir;
  lt::FakeClock clock(day);
  auto cfg = all_config(dir, clock);
  cfg.logger_levels = {{"noisy", ll::Level::warning}};
  cfg.max_line = 1024;
  ll::init(cfg);
  auto noisy = std::make_shared<spdlog::logger>("noisy", ll::spdlog_sink());
  noisy->info("below the logger's level");
  noisy->warn("kept");
  noisy->error("{}", std::string(5000, 'x'));
  ll::flush();
  const auto lines = lt::read_lines(dir.path() / "logs/all.log");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["event"], "kept");
  EXPECT_LE(lines[1].size() + 1, 1024u);
  const auto capped = nlohmann::json::parse(lines[1]);
  EXPECT_NE(capped["event"].get<std::string>().find("truncated"), std::string::npos);
}

TEST(LogSpdlog, CaptureNeedsInit) { EXPECT_THROW(ll::capture_spdlog(), leadscout::Error); }

TEST(LogSpdlog, ShutdownGivesLoggersTheirSinksBack) {
  lt::TempDir dir;
  lt::FakeClock clock(day);
  std::ostringstream own;
  auto named = stream_logger("named", own);
  spdlog::register_logger(named);
  ll::init(all_config(dir, clock));
  ll::capture_spdlog();
  ll::capture_spdlog();  // a second call does not wrap twice: one event per message
  named->info("into the tree");
  ll::shutdown();
  named->info("after shutdown");
  EXPECT_EQ(own.str(), "after shutdown\n");

  ll::init(all_config(dir, clock));
  named->info("not captured in this run");
  ll::capture_spdlog();
  named->info("captured again");
  ll::shutdown();
  EXPECT_EQ(own.str(), "after shutdown\nnot captured in this run\n");
  EXPECT_EQ(event_names(lt::read_json_lines(dir.path() / "logs/all.log")),
            (std::vector<std::string>{"into the tree", "captured again"}));
  EXPECT_EQ(named->sinks().size(), 1u);
}

TEST(LogSpdlog, ReinitKeepsTheCapture) {
  lt::TempDir dir;
  lt::FakeClock clock(day);
  ll::init(all_config(dir, clock));
  ll::capture_spdlog();
  ll::init(all_config(dir, clock));  // a new configuration, not a shutdown
  spdlog::info("still captured");
  ll::flush();
  EXPECT_EQ(event_names(lt::read_json_lines(dir.path() / "logs/all.log")), std::vector<std::string>{"still captured"});
}

// ---- routes to spdlog sinks -------------------------------------------------------------

/// A user's own sink: keeps what it receives; `on_log` runs inside log() when set.
class RecordingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  struct Line {
    std::string logger;
    spdlog::level::level_enum level;
    std::string payload;
  };
  std::function<void(const spdlog::details::log_msg&)> on_log;

  std::vector<Line> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  int flushes() {
    std::lock_guard lock(mutex_);
    return flushes_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines_.push_back({std::string(msg.logger_name.data(), msg.logger_name.size()), msg.level,
                      std::string(msg.payload.data(), msg.payload.size())});
    if (on_log) on_log(msg);
  }
  void flush_() override { ++flushes_; }

 private:
  std::vector<Line> lines_;
  int flushes_ = 0;
};

/// A sink that never works.
class ThrowingSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg&) override { throw std::runtime_error("syslog is down"); }
  void flush_() override { throw std::runtime_error("still down"); }
};

ll::Route sink_route(std::shared_ptr<spdlog::sinks::sink> sink, std::vector<std::string> loggers = {},
                     ll::Level min_level = ll::Level::info, ll::Format format = ll::Format::json) {
  ll::Route r;
  r.loggers = std::move(loggers);
  r.min_level = min_level;
  r.format = format;
  r.sink = std::move(sink);
  return r;
}

TEST(LogSpdlogRoute, UserSinkReceivesRenderedLines) {
  lt::TempDir dir;
  lt::FakeClock clock(day);
  auto cfg = all_config(dir, clock);
  auto sink = std::make_shared<RecordingSink>();
  cfg.routes.push_back(sink_route(sink, {"api"}));
  ll::init(cfg);
  auto api = ll::get("api.openai");
  api.debug("below the route's level");
  api.warning("Provider slow", {{"api_key", "sk-secret"}, {"latency_ms", 950}});
  ll::get("classification").info("another logger");
  ll::flush();
  const auto lines = sink->lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].logger, "api.openai");
  EXPECT_EQ(lines[0].level, spdlog::level::warn);
  ASSERT_FALSE(lines[0].payload.empty());
  EXPECT_NE(lines[0].payload.back(), '\n') << "the sink adds its own line end";
  const auto json = nlohmann::json::parse(lines[0].payload);
  EXPECT_EQ(json["event"], "Provider slow");
  EXPECT_EQ(json["api_key"], "***") << "redacted as in the files";
  EXPECT_EQ(json["latency_ms"], 950);
  EXPECT_EQ(lt::read_lines(dir.path() / "logs/all.log").size(), 3u) << "the file routes are unchanged";
  EXPECT_GE(sink->flushes(), 1);
}

TEST(LogSpdlogRoute, SpdlogsOwnSinkGetsConsoleLines) {
  lt::TempDir dir;
  lt::FakeClock clock(day);
  auto cfg = all_config(dir, clock);
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_pattern("%v");
  cfg.routes.push_back(sink_route(sink, {}, ll::Level::error, ll::Format::console));
  ll::init(cfg);
  ll::get("api").info("not an error");
  ll::get("api").error("Provider down", {{"provider", "openai"}});
  ll::shutdown();  // flushes the sink too
  const auto lines = lt::split_lines(out.str());
  ASSERT_EQ(lines.size(), 1u) << out.str();
  EXPECT_NE(lines[0].find("ERROR"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("Provider down"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("provider=openai"), std::string::npos) << lines[0];
}

TEST(LogSpdlogRoute, FailingSinkIsCountedAndNeverThrown) {
  lt::TempDir dir;
  lt::FakeClock clock(day);
  std::uint64_t errors = 0;
  const std::string err = lt::capture_stderr([&] {
    auto cfg = all_config(dir, clock);
    cfg.routes.push_back(sink_route(std::make_shared<ThrowingSink>()));
    ll::init(cfg);
    for (int i = 0; i < 3; ++i) ll::get("api").info("Item processed", {{"item_id", i}});
    ll::flush();
    errors = ll::stats().sink_errors;
    ll::shutdown();
  });
  EXPECT_GE(errors, 3u);
  EXPECT_EQ(lt::read_lines(dir.path() / "logs/all.log").size(), 3u);
  const auto first = err.find("syslog is down");
  ASSERT_NE(first, std::string::npos) << err;
  EXPECT_EQ(err.find("spdlog sink failed", err.find("spdlog sink failed") + 1), std::string::npos)
      << "reported once: " << err;
}

TEST(LogSpdlogRoute, SinkRunsWithoutLeadscoutLocks) {
  // In sync mode the sink runs on the logging thread: were the router's lock still held, the
  // sink's own leadscout call would deadlock on it.
  lt::TempDir dir;
  lt::FakeClock clock(day);
  auto cfg = all_config(dir, clock);
  cfg.async = false;
  auto sink = std::make_shared<RecordingSink>();
  sink->on_log = [](const spdlog::details::log_msg&) { ll::get("sink").info("logged from the sink"); };
  cfg.routes.push_back(sink_route(sink));
  ll::init(cfg);
  auto done = std::async(std::launch::async, [] { ll::get("api").info("outer"); });
  if (done.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    std::fprintf(stderr, "deadlock: the sink was called under a leadscout lock\n");
    std::_Exit(1);
  }
  EXPECT_EQ(event_names(lt::read_json_lines(dir.path() / "logs/all.log")),
            (std::vector<std::string>{"outer", "logged from the sink"}));
  EXPECT_EQ(sink->lines().size(), 1u) << "the sink's own event does not come back to it";
}

TEST(LogSpdlogRoute, CapturedSpdlogInsideASinkDoesNotLoop) {
  lt::TempDir dir;
  lt::FakeClock clock(day);
  std::ostringstream own;
  spdlog::set_default_logger(stream_logger("", own));
  auto cfg = all_config(dir, clock);
  auto sink = std::make_shared<RecordingSink>();
  sink->on_log = [](const spdlog::details::log_msg& msg) { spdlog::warn("sink saw {}", msg.payload.size() > 0); };
  cfg.routes.push_back(sink_route(sink, {"api"}));
  ll::init(cfg);
  ll::capture_spdlog();
  ll::get("api").info("once");
  ll::flush();
  EXPECT_EQ(event_names(lt::read_json_lines(dir.path() / "logs/all.log")), std::vector<std::string>{"once"});
  EXPECT_EQ(sink->lines().size(), 1u);
  EXPECT_EQ(own.str(), "sink saw true\n") << "went to the logger's own sink";
}

TEST(LogSpdlogRoute, RoutesThatCannotWorkAreRejected) {
  lt::TempDir dir;
  auto cfg = lt::test_config(dir);
  cfg.routes = {sink_route(ll::spdlog_sink())};
  EXPECT_THROW(ll::init(cfg), ll::ConfigError) << "its lines would come back as events";
  cfg.routes = {sink_route(std::make_shared<RecordingSink>())};
  cfg.routes[0].file = "also-a-file.log";
  EXPECT_THROW(ll::init(cfg), ll::ConfigError);
}

}  // namespace

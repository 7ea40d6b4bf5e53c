// The logging macros: which events carry their source location (LEADSCOUT_LOG_SOURCE), and
// that the level of LEADSCOUT_LOG is evaluated once.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "log_test_utils.hpp"

namespace ll = leadscout::log;
namespace lt = leadscout::test;

namespace {

int debug_line = 0;  // the lines of the calls in log_with_source
int info_line = 0;

/// Logs one debug and one info event through the macros, with LEADSCOUT_LOG_SOURCE = mode
/// (unset when null), and returns the classification file's lines.
std::vector<nlohmann::json> log_with_source(const char* mode) {
  lt::TempDir dir;
  lt::ScopedEnv log_dir("LEADSCOUT_LOG_DIR", (dir.path() / "logs").c_str());
  lt::ScopedEnv console("LEADSCOUT_LOG_CONSOLE", "off");
  lt::ScopedEnv source("LEADSCOUT_LOG_SOURCE", mode);
  ll::init(ll::Config::from_env());
  auto log = ll::get("classification");
  debug_line = __LINE__ + 1;
  LEADSCOUT_DEBUG(log, "Debug event", {{"n", 1}});
  info_line = __LINE__ + 1;
  LEADSCOUT_INFO(log, "Info event");
  ll::shutdown();
  return lt::read_dated(dir, "debug", "classification");
}

TEST(LogMacros, DebugEventsCarryTheirSourceByDefault) {
  const auto lines = log_with_source(nullptr);
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_TRUE(lines[0].contains("source"));
  const auto& where = lines[0]["source"];
  EXPECT_NE(where["file"].get<std::string>().find("test_macros.cpp"), std::string::npos);
  EXPECT_EQ(where["line"], debug_line);
  EXPECT_EQ(where["function"], "log_with_source");
  EXPECT_EQ(lines[0]["n"], 1);
  EXPECT_FALSE(lines[1].contains("source"));
}

TEST(LogMacros, SourceAllOrOff) {
  const auto all = log_with_source("all");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[0].contains("source"));
  EXPECT_EQ(all[1]["source"]["line"], info_line);
  const auto off = log_with_source("off");
  ASSERT_EQ(off.size(), 2u);
  EXPECT_FALSE(off[0].contains("source"));
  EXPECT_FALSE(off[1].contains("source"));
}

TEST(LogMacros, ABadSourceModeNamesTheVariable) {
  lt::ScopedEnv source("LEADSCOUT_LOG_SOURCE", "verbose");
  try {
    (void)ll::Config::from_env();
    FAIL() << "no error";
  } catch (const ll::ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("LEADSCOUT_LOG_SOURCE=\"verbose\""), std::string::npos) << what;
    EXPECT_NE(what.find("off, debug, all"), std::string::npos) << what;
  }
}

TEST(LogMacros, AFieldNamedSourceMakesWay) {
  lt::TempDir dir;
  auto cfg = lt::test_config(dir);
  cfg.source_location = ll::SourceMode::all;
  ll::init(cfg);
  auto log = ll::get("classification");
  LEADSCOUT_INFO(log, "Imported", {{"source", "crm.csv"}});
  log.info("Plain call", {{"source", "crm.csv"}});  // no location: the field keeps its key
  ll::shutdown();
  const auto lines = lt::read_dated(dir, "debug", "classification");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["_source"], "crm.csv");
  EXPECT_TRUE(lines[0]["source"].is_object());
  EXPECT_EQ(lines[1]["source"], "crm.csv");
}

TEST(LogMacros, LevelIsEvaluatedOnceAndExceptionsPassThrough) {
  lt::TempDir dir;
  ll::init(lt::test_config(dir));
  auto log = ll::get("classification");
  int levels = 0;
  auto next_level = [&] {
    ++levels;
    return ll::Level::error;
  };
  LEADSCOUT_LOG(log, next_level(), "Dynamic level", {{"k", 1}});
  EXPECT_EQ(levels, 1);
  int evaluated = 0;
  auto counted = [&] { return ++evaluated; };
  LEADSCOUT_LOG(log, ll::Level::trace, "Disabled", {{"n", counted()}});  // no route takes trace
  EXPECT_EQ(evaluated, 0);
  try {
    throw std::runtime_error("boom");
  } catch (const std::exception& e) {
    LEADSCOUT_ERROR(log, "Failed", e, {{"item_id", 7}});
  }
  ll::shutdown();
  const auto lines = lt::read_dated(dir, "production", "errors");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["level"], "error");
  EXPECT_FALSE(lines[0].contains("source")) << "debug mode: error events carry no source";
  EXPECT_EQ(lines[1]["exception"], "std::runtime_error: boom");
  EXPECT_EQ(lines[1]["item_id"], 7);
}

}  // namespace

// Compiled with LEADSCOUT_ACTIVE_LEVEL=LEADSCOUT_LEVEL_WARNING: macro calls below warning are
// removed, so their arguments are never evaluated, even when the logger would take them.
#include <gtest/gtest.h>

#include "log_test_utils.hpp"

namespace ll = leadscout::log;
namespace lt = leadscout::test;

namespace {

static_assert(LEADSCOUT_ACTIVE_LEVEL == LEADSCOUT_LEVEL_WARNING);

TEST(LogMacrosRemoved, CallsBelowTheActiveLevelAreNotEvaluated) {
  lt::TempDir dir;
  auto cfg = lt::test_config(dir);
  cfg.level = ll::Level::trace;
  cfg.routes.push_back({"all.log", {}, ll::Level::trace});
  ll::init(cfg);
  int evaluated = 0;
  int loggers = 0;
  auto counted = [&] { return ++evaluated; };
  auto logger = [&]() -> ll::Logger {
    ++loggers;
    return ll::get("classification");
  };
  ASSERT_TRUE(ll::get("classification").enabled(ll::Level::trace));
  LEADSCOUT_TRACE(logger(), "Removed", {{"n", counted()}});
  LEADSCOUT_DEBUG(logger(), "Removed", {{"n", counted()}});
  LEADSCOUT_INFO(logger(), "Removed", {{"n", counted()}});
  LEADSCOUT_LOG(logger(), ll::Level::info, "Removed", {{"n", counted()}});
  EXPECT_EQ(evaluated, 0);
  EXPECT_EQ(loggers, 1) << "only LEADSCOUT_LOG, whose level is known at run time, evaluates its logger";
  LEADSCOUT_WARNING(logger(), "Kept", {{"n", counted()}});
  LEADSCOUT_ERROR(logger(), "Kept", {{"n", counted()}});
  LEADSCOUT_LOG(logger(), ll::Level::critical, "Kept", {{"n", counted()}});
  EXPECT_EQ(evaluated, 3);
  ll::shutdown();
  const auto lines = lt::read_json_lines(dir.path() / "logs" / "all.log");
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& j : lines) EXPECT_EQ(j["event"], "Kept");
}

}  // namespace

// The demo's log tree, passed as data: the standard tree of docs/log-schema.md.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "log_setup.hpp"

namespace ll = leadscout::log;

namespace {

std::vector<std::string> describe(const std::vector<ll::Route>& routes) {
  std::vector<std::string> out;
  for (const ll::Route& r : routes) {
    std::string line = r.file + " |";
    for (const auto& g : r.loggers) line += " " + g;
    line += " | " + std::string(ll::to_string(r.min_level)) + ".." + std::string(ll::to_string(r.max_level));
    out.push_back(line + (r.format == ll::Format::json ? " | json" : " | console"));
  }
  return out;
}

TEST(DemoLogSetup, TheDemosTreeIsTheStandardTree) {
  EXPECT_EQ(describe(demo::log_routes()), describe(ll::Config::default_routes()));
  EXPECT_EQ(describe(demo::log_routes(ll::Format::console)), describe(ll::Config::default_routes(ll::Format::console)));
  EXPECT_EQ(demo::console_loggers(), (std::vector<std::string>{"*", "!progress"}));
}

TEST(DemoLogSetup, TheVariablesApplyToTheDemosTree) {
  ::unsetenv("LEADSCOUT_LOG_FORMAT");
  const ll::Config plain = demo::log_config_from_env();
  EXPECT_EQ(describe(plain.routes), describe(demo::log_routes()));
  EXPECT_EQ(plain.console_loggers, demo::console_loggers());
  ::setenv("LEADSCOUT_LOG_FORMAT", "console", 1);
  const ll::Config console = demo::log_config_from_env();
  ::unsetenv("LEADSCOUT_LOG_FORMAT");
  EXPECT_EQ(describe(console.routes), describe(demo::log_routes(ll::Format::console)));
}

}  // namespace

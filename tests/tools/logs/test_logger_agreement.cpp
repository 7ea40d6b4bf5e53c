// The library's routes and leadscout-logs' --logger filter select the same loggers: events are
// written through real routes, one per pattern, and the tool's filter reads them back.
#include <gtest/gtest.h>
#include <leadscout/log.hpp>

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "scanner.hpp"
#include "stats.hpp"
#include "utils.hpp"

namespace lt = leadscout::test;
namespace ll = leadscout::log;
namespace lg = leadscout::logs_tool;

namespace {

using Names = std::set<std::string>;

const std::vector<std::string> patterns = {
    "api", "api.openai", "*.openai", "api.*", "*", "a?i", "*chat", "api.openai.chat", "openai",
    "classification", "*.*.chat", "api*", "?", "*.phonetic", "x.y", "",
};
const std::vector<std::string> names = {
    "api", "api.openai", "api.openai.chat", "apis.openai", "api.openai2", "openai.chat",
    "classification.phonetic", "x", "x.y.z", "a.b.c",
};

/// The loggers of the events in a JSON-lines file, as the tool's scanner reads them.
Names loggers_in(const std::filesystem::path& file, const std::string& pattern) {
  Names out;
  lg::FilterSpec filter;
  filter.loggers = {pattern};
  filter.prepare();
  for (const auto& line : lt::split_lines(lt::read_file(file))) {
    lg::Event e;
    if (line.empty() || lg::scan_line(line, e) != lg::ScanError::none) continue;
    if (filter.matches(e)) out.insert(std::string(e.logger));
  }
  return out;
}

}  // namespace

TEST(LogsLoggerAgreement, RoutesAndFilterSelectTheSameLoggers) {
  lt::TempDir dir;
  ll::Config cfg;
  cfg.dir = dir.path() / "logs";
  cfg.console = ll::ConsoleMode::off;
  cfg.alerts.file.clear();
  cfg.routes = {{"all.log", {}, ll::Level::debug, ll::Level::critical}};
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    cfg.routes.push_back({"route-" + std::to_string(i) + ".log", {patterns[i]}, ll::Level::debug, ll::Level::critical});
  }
  ll::init(cfg);
  for (const auto& name : names) ll::get(name).info("event");
  ll::shutdown();

  const auto all = dir.path() / "logs" / "all.log";
  ASSERT_EQ(loggers_in(all, "*").size(), names.size());
  std::map<std::string, Names> by_route;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const auto routed = dir.path() / "logs" / ("route-" + std::to_string(i) + ".log");
    const Names library = std::filesystem::exists(routed) ? loggers_in(routed, "*") : Names{};
    EXPECT_EQ(library, loggers_in(all, patterns[i])) << "pattern \"" << patterns[i] << '"';
    by_route[patterns[i]] = library;
  }
  // A few rows spelled out, so that agreeing on a wrong rule fails too.
  EXPECT_EQ(by_route["*.openai"], (Names{"api.openai", "api.openai.chat", "apis.openai"}));
  EXPECT_EQ(by_route["api"], (Names{"api", "api.openai", "api.openai.chat", "api.openai2"}));
  EXPECT_EQ(by_route["api.*"], (Names{"api.openai", "api.openai.chat", "api.openai2"}));
  EXPECT_EQ(by_route["?"], (Names{"x", "x.y.z", "a.b.c"}));
  EXPECT_EQ(by_route["x.y"], (Names{"x.y.z"}));
  EXPECT_EQ(by_route[""], Names{});
}

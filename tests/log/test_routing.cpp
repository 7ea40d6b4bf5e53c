// The default routing table: which event lands in which files, and in no other.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "log_test_utils.hpp"

namespace lt = leadscout::test;
namespace ll = leadscout::log;

namespace {

/// file (relative to logs/) -> events it holds
std::map<std::string, std::multiset<std::string>> collect(const std::filesystem::path& logs) {
  std::map<std::string, std::multiset<std::string>> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(logs)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = std::filesystem::relative(e.path(), logs).string();
    for (const auto& line : lt::read_lines(e.path())) {
      if (line.empty() || line[0] != '{') {
        out[rel].insert(line.substr(line.find(' ') + 1));  // console format: drop the timestamp
      } else {
        out[rel].insert(nlohmann::json::parse(line)["event"].get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace

TEST(LogRouting, DefaultTree) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  ll::init(lt::test_config(dir, &clock));
  ll::get("classification").debug("cls-debug");
  ll::get("classification.phonetic").info("cls-child-info");
  ll::get("api").debug("api-debug");
  ll::get("api.openai").error("api-child-error");
  ll::get("performance").debug("perf-debug");
  ll::get("production").info("prod-info");
  ll::get("production").debug("prod-debug");
  ll::get("metrics").info("metrics-info");
  ll::get("progress").info("progress-info");
  ll::get("progress").error("progress-error");
  ll::get("other").critical("other-critical");
  ll::get("classifications").debug("not-a-child");
  ll::shutdown();

  using S = std::multiset<std::string>;
  const auto files = collect(dir.path() / "logs");
  const std::map<std::string, S> expected = {
      {"debug/classification-2025-07-06.log", S{"cls-debug", "cls-child-info"}},
      {"debug/api-calls-2025-07-06.log", S{"api-debug", "api-child-error"}},
      {"debug/performance-2025-07-06.log", S{"perf-debug"}},
      {"production/operations-2025-07-06.log",
       S{"cls-child-info", "api-child-error", "prod-info", "metrics-info", "other-critical"}},
      {"production/errors-2025-07-06.log", S{"api-child-error", "progress-error", "other-critical"}},
      {"production/metrics-2025-07-06.log", S{"metrics-info"}},
      {"production/alerts-2025-07-06.log", S{"other-critical"}},
      {"progress/current-operation.log", S{"INFO progress-info", "ERROR progress-error"}},
  };
  EXPECT_EQ(files, expected);
}

TEST(LogRouting, InstanceNameGoesIntoEveryFileName) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  auto cfg = lt::test_config(dir, &clock);
  cfg.instance = "shard-2-of-4";
  ll::init(cfg);
  ll::get("classification").debug("cls-debug");
  ll::get("production").info("prod-info");
  ll::get("progress").info("progress-info");
  ll::get("other").critical("other-critical");
  ll::shutdown();

  std::set<std::string> names;
  for (const auto& [name, events] : collect(dir.path() / "logs")) names.insert(name);
  const std::set<std::string> expected = {
      "debug/classification-2025-07-06.shard-2-of-4.log",
      "production/operations-2025-07-06.shard-2-of-4.log",
      "production/errors-2025-07-06.shard-2-of-4.log",
      "production/alerts-2025-07-06.shard-2-of-4.log",
      "progress/current-operation.shard-2-of-4.log",
  };
  EXPECT_EQ(names, expected);
}

TEST(LogRouting, FileLevelFromConfigAppliesToEveryRoute) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  auto cfg = lt::test_config(dir, &clock);
  ll::parse_level_spec("info,classification=debug,api=warning", cfg);
  ll::init(cfg);
  ll::get("classification").debug("cls-debug");
  ll::get("api").info("api-info");
  ll::get("api").warning("api-warning");
  ll::get("performance").debug("perf-debug");
  ll::shutdown();
  const auto files = collect(dir.path() / "logs");
  EXPECT_EQ(files.at("debug/classification-2025-07-06.log").count("cls-debug"), 1u);
  EXPECT_EQ(files.at("debug/api-calls-2025-07-06.log"), std::multiset<std::string>{"api-warning"});
  EXPECT_EQ(files.count("debug/performance-2025-07-06.log"), 0u);
}

TEST(LogRouting, CustomRoutesInCode) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  auto cfg = lt::test_config(dir, &clock);
  cfg.routes.push_back({"custom/llm-{date}.log", {"api.*", "!api.internal"}, ll::Level::info, ll::Level::warning});
  ll::init(cfg);
  ll::get("api.openai").info("openai-info");
  ll::get("api.openai").error("openai-error");
  ll::get("api.internal").info("internal-info");
  ll::get("api").info("api-itself");
  ll::shutdown();
  const auto files = collect(dir.path() / "logs");
  EXPECT_EQ(files.at("custom/llm-2025-07-06.log"), std::multiset<std::string>{"openai-info"});
}

TEST(LogRouting, GlobMatchingADottedPrefixCoversTheChildren) {
  lt::TempDir dir;
  auto cfg = lt::test_config(dir);
  cfg.routes = {{"openai.log", {"*.openai"}, ll::Level::debug, ll::Level::critical}};
  ll::init(cfg);
  ll::get("api.openai.chat").info("chat-info");
  ll::get("api.openai").debug("openai-debug");
  ll::get("api.openai2").info("not-openai");
  ll::get("openai.chat").info("no-parent");
  ll::shutdown();
  const auto files = collect(dir.path() / "logs");
  EXPECT_EQ(files.at("openai.log"), (std::multiset<std::string>{"chat-info", "openai-debug"}));
}

TEST(LogRouting, RoutesFromJsonFile) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 12));
  const auto routes = dir.path() / "routes.json";
  std::ofstream(routes) << R"({
  "replace_default_routes": true,
  "routes": [
    {"file": "all-{date}.log", "loggers": ["*"], "min_level": "info"},
    {"file": "human.log", "loggers": ["api"], "format": "console", "min_level": "debug", "max_level": "info"}
  ]
})";
  auto cfg = lt::test_config(dir, &clock);
  cfg.load_routes_file(routes);
  ll::init(cfg);
  ll::get("api").debug("api-debug");
  ll::get("api").warning("api-warning");
  ll::get("x").info("x-info");
  ll::shutdown();
  const auto files = collect(dir.path() / "logs");
  EXPECT_EQ(files.size(), 2u);
  EXPECT_EQ(files.at("all-2025-07-06.log"), (std::multiset<std::string>{"api-warning", "x-info"}));
  const auto human = lt::read_lines(dir.path() / "logs/human.log");
  ASSERT_EQ(human.size(), 1u);
  EXPECT_EQ(human[0], "2025-07-06T12:00:00Z DEBUG api-debug");
}

TEST(LogRouting, BadRoutesFileNamesFileAndLine) {
  lt::TempDir dir;
  const auto routes = dir.path() / "routes.json";
  std::ofstream(routes) << "{\n  \"routes\": [\n    {\"file\": \"a.log\"},\n    {\"file\": \"b.log\",\n     \"min_level\": \"loud\"}\n  ]\n}\n";
  ll::Config cfg;
  try {
    cfg.load_routes_file(routes);
    FAIL() << "expected ConfigError";
  } catch (const ll::ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("routes.json:5:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("routes[1].min_level"), std::string::npos) << msg;
    EXPECT_NE(msg.find("loud"), std::string::npos) << msg;
  }
  std::ofstream(routes) << "{\n  \"routes\": [\n    {\"file\": \"a.log\",}\n  ]\n}\n";
  try {
    cfg.load_routes_file(routes);
    FAIL() << "expected ConfigError";
  } catch (const ll::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("routes.json:3:"), std::string::npos) << e.what();
  }
  std::ofstream(routes) << R"({"routes": [{"file": "a.log", "colour": "red"}]})";
  EXPECT_THROW(cfg.load_routes_file(routes), ll::ConfigError);
  EXPECT_THROW(cfg.load_routes_file(dir.path() / "missing.json"), ll::ConfigError);
}

TEST(LogRouting, NumberTooLargeInRoutesFileIsAConfigError) {
  // Found by fuzz_log_config: nlohmann reports an overflowing number as out_of_range, which
  // escaped as a non-ConfigError.
  ll::Config cfg;
  EXPECT_THROW(cfg.load_routes(R"({"routes": [{"file": "a.log", "x": 1E999999}]})", "routes.json"), ll::ConfigError);
}

TEST(LogRouting, TheConsoleTakesTheLoggersOfConsoleLoggers) {
  EXPECT_EQ(ll::Config::default_console_loggers(), (std::vector<std::string>{"*", "!progress"}));
  EXPECT_EQ(ll::Config().console_loggers, ll::Config::default_console_loggers());
  EXPECT_EQ(ll::Config::from_env().console_loggers, ll::Config::default_console_loggers());
  lt::TempDir dir;
  auto console_of = [&](std::vector<std::string> console_loggers) {
    auto cfg = lt::test_config(dir);
    cfg.console = ll::ConsoleMode::on;
    cfg.console_loggers = std::move(console_loggers);
    return lt::capture_stderr([&] {
      ll::init(cfg);
      ll::get("progress").info("progress-line");
      ll::get("api.openai").info("api-line");
      ll::get("other").info("other-line");
      ll::shutdown();
    });
  };
  const std::string by_default = console_of(ll::Config::default_console_loggers());
  EXPECT_EQ(by_default.find("progress-line"), std::string::npos) << by_default;
  EXPECT_NE(by_default.find("api-line"), std::string::npos) << by_default;
  EXPECT_NE(by_default.find("other-line"), std::string::npos) << by_default;
  const std::string without_api = console_of({"*", "!api"});
  EXPECT_NE(without_api.find("progress-line"), std::string::npos) << without_api;
  EXPECT_EQ(without_api.find("api-line"), std::string::npos) << without_api;
  EXPECT_NE(without_api.find("other-line"), std::string::npos) << without_api;
}

TEST(LogRouting, ALoggerOffTheConsoleAndEveryRouteIsNotEnabled) {
  lt::TempDir dir;
  auto cfg = lt::test_config(dir);
  cfg.console = ll::ConsoleMode::on;
  cfg.routes.clear();
  cfg.console_loggers = {"!quiet"};
  ll::init(cfg);
  EXPECT_FALSE(ll::get("quiet").enabled(ll::Level::info));
  EXPECT_FALSE(ll::get("quiet.child").enabled(ll::Level::info));
  EXPECT_TRUE(ll::get("loud").enabled(ll::Level::info));
  EXPECT_FALSE(ll::get("loud").enabled(ll::Level::debug)) << "below the console level";
  ll::shutdown();
}

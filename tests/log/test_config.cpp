// Configuration from the environment: every variable, good and bad values.
#include <gtest/gtest.h>

#include <stdexcept>
#include <type_traits>

#include "log_test_utils.hpp"

namespace lt = leadscout::test;
namespace ll = leadscout::log;

TEST(LogConfig, Defaults) {
  const auto cfg = ll::Config::from_env();
  EXPECT_EQ(cfg.dir, "logs");
  EXPECT_EQ(cfg.level, ll::Level::debug);
  EXPECT_EQ(cfg.console, ll::ConsoleMode::automatic);
  EXPECT_EQ(cfg.console_level, ll::Level::info);
  EXPECT_TRUE(cfg.async);
  EXPECT_EQ(cfg.overflow, ll::Overflow::block);
  EXPECT_EQ(cfg.retention_days, 30);
  EXPECT_EQ(cfg.time_zone, ll::TimeZone::utc);
  EXPECT_EQ(cfg.max_line, 32u * 1024);
  EXPECT_EQ(cfg.routes.size(), 7u);
}

TEST(LogConfig, EveryVariable) {
  lt::TempDir dir;
  const auto routes = dir.path() / "routes.json";
  std::ofstream(routes) << R"({"routes": [{"file": "extra.log"}]})";
  lt::ScopedEnv e1("LEADSCOUT_LOG_LEVEL", "info,classification=debug,api=warning");
  lt::ScopedEnv e2("LEADSCOUT_LOG_DIR", "/var/log/leadscout");
  lt::ScopedEnv e3("LEADSCOUT_LOG_FORMAT", "console");
  lt::ScopedEnv e4("LEADSCOUT_LOG_CONSOLE", "off");
  lt::ScopedEnv e5("LEADSCOUT_LOG_CONSOLE_LEVEL", "warning");
  lt::ScopedEnv e6("LEADSCOUT_LOG_ASYNC", "off");
  lt::ScopedEnv e7("LEADSCOUT_LOG_QUEUE", "4096");
  lt::ScopedEnv e8("LEADSCOUT_LOG_OVERFLOW", "drop");
  lt::ScopedEnv e9("LEADSCOUT_LOG_RETENTION_DAYS", "7");
  lt::ScopedEnv e10("LEADSCOUT_LOG_TZ", "local");
  lt::ScopedEnv e11("LEADSCOUT_LOG_CONFIG", routes.c_str());
  lt::ScopedEnv e12("LEADSCOUT_LOG_REDACT", "ssn, session_id");
  lt::ScopedEnv e13("LEADSCOUT_LOG_MAX_LINE", "4096");
  const auto cfg = ll::Config::from_env();
  EXPECT_EQ(cfg.level, ll::Level::info);
  ASSERT_EQ(cfg.logger_levels.size(), 2u);
  EXPECT_EQ(cfg.logger_levels[0], (std::pair<std::string, ll::Level>{"classification", ll::Level::debug}));
  EXPECT_EQ(cfg.logger_levels[1], (std::pair<std::string, ll::Level>{"api", ll::Level::warning}));
  EXPECT_EQ(cfg.dir, "/var/log/leadscout");
  EXPECT_EQ(cfg.routes.front().format, ll::Format::console);
  EXPECT_EQ(cfg.console, ll::ConsoleMode::off);
  EXPECT_EQ(cfg.console_level, ll::Level::warning);
  EXPECT_FALSE(cfg.async);
  EXPECT_EQ(cfg.queue_size, 4096u);
  EXPECT_EQ(cfg.overflow, ll::Overflow::drop);
  EXPECT_EQ(cfg.retention_days, 7);
  EXPECT_EQ(cfg.time_zone, ll::TimeZone::local);
  EXPECT_EQ(cfg.routes.size(), 8u);
  EXPECT_EQ(cfg.routes.back().file, "extra.log");
  EXPECT_EQ(cfg.redact_keys, (std::vector<std::string>{"ssn", "session_id"}));
  EXPECT_EQ(cfg.max_line, 4096u);
}

struct BadValue {
  const char* name;
  const char* value;
  const char* expected_hint;
};

class LogConfigBad : public ::testing::TestWithParam<BadValue> {};

TEST_P(LogConfigBad, ErrorNamesVariableValueAndAcceptedValues) {
  const BadValue& bad = GetParam();
  lt::ScopedEnv env(bad.name, bad.value);
  try {
    (void)ll::Config::from_env();
    FAIL() << bad.name << "=" << bad.value << " was accepted";
  } catch (const ll::ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(bad.name), std::string::npos) << msg;
    EXPECT_NE(msg.find(bad.value), std::string::npos) << msg;
    EXPECT_NE(msg.find(bad.expected_hint), std::string::npos) << msg;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllVariables, LogConfigBad,
    ::testing::Values(BadValue{"LEADSCOUT_LOG_LEVEL", "loud", "warning"},
                      BadValue{"LEADSCOUT_LOG_LEVEL", "info,api=chatty", "critical"},
                      BadValue{"LEADSCOUT_LOG_LEVEL", "info,=debug", "LOGGER=LEVEL"},
                      BadValue{"LEADSCOUT_LOG_FORMAT", "xml", "json"},
                      BadValue{"LEADSCOUT_LOG_CONSOLE", "yes", "auto"},
                      BadValue{"LEADSCOUT_LOG_CONSOLE_LEVEL", "verbose", "debug"},
                      BadValue{"LEADSCOUT_LOG_ASYNC", "maybe", "on"},
                      BadValue{"LEADSCOUT_LOG_QUEUE", "12x", "whole number"},
                      BadValue{"LEADSCOUT_LOG_QUEUE", "0", "whole number"},
                      BadValue{"LEADSCOUT_LOG_OVERFLOW", "spill", "block"},
                      BadValue{"LEADSCOUT_LOG_RETENTION_DAYS", "-1", "whole number"},
                      BadValue{"LEADSCOUT_LOG_TZ", "cet", "utc"},
                      BadValue{"LEADSCOUT_LOG_CONFIG", "/nonexistent/routes.json", "cannot read"},
                      BadValue{"LEADSCOUT_LOG_MAX_LINE", "10", "1024"}),
    [](const ::testing::TestParamInfo<BadValue>& test) {
      return std::string(test.param.name).substr(std::string("LEADSCOUT_LOG_").size()) + "_" +
             std::to_string(test.index);
    });

TEST(LogConfig, UnwritableDirectoryAtInitIsAClearError) {
  lt::TempDir dir;
  const auto file = dir.path() / "a-file";
  std::ofstream(file) << "x";
  ll::Config cfg;
  cfg.dir = file / "logs";  // a path below a regular file: fails even for root
  try {
    ll::init(cfg);
    FAIL() << "init accepted an impossible directory";
  } catch (const ll::ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find((file / "logs").string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("Not a directory"), std::string::npos) << msg;
  }
}

TEST(LogConfig, ConfigErrorIsALeadscoutError) {
  static_assert(std::is_base_of_v<leadscout::Error, ll::ConfigError>);
  static_assert(std::is_same_v<ll::ConfigError, leadscout::Error>, "one error type; the old name still compiles");
  static_assert(std::is_base_of_v<std::runtime_error, leadscout::Error>);
  lt::ScopedEnv env("LEADSCOUT_LOG_LEVEL", "loud");
  try {
    (void)ll::Config::from_env();
    FAIL() << "LEADSCOUT_LOG_LEVEL=loud was accepted";
  } catch (const leadscout::Error& e) {
    EXPECT_NE(std::string(e.what()).find("LEADSCOUT_LOG_LEVEL"), std::string::npos) << e.what();
  }
  lt::TempDir dir;
  std::ofstream(dir.path() / "a-file") << "x";
  ll::Config cfg;
  cfg.dir = dir.path() / "a-file" / "logs";
  EXPECT_THROW(ll::init(cfg), leadscout::Error);
}

TEST(LogConfig, RouteWithDateInDirectoryIsRejected) {
  lt::TempDir dir;
  ll::Config cfg;
  cfg.dir = dir.path();
  cfg.routes = {ll::Route{"{date}/x.log", {}}};
  EXPECT_THROW(ll::init(cfg), ll::ConfigError);
}

namespace {
/// The message of the ConfigError that Config::from_env() throws, or "" when it does not.
std::string from_env_error() {
  try {
    (void)ll::Config::from_env();
  } catch (const ll::ConfigError& e) {
    return e.what();
  }
  return {};
}
}  // namespace

TEST(LogConfig, InstanceFromTheEnvironment) {
  lt::ScopedEnv no_shard("LEADSCOUT_SHARD", nullptr);
  lt::ScopedEnv no_index("JOB_COMPLETION_INDEX", nullptr);
  lt::ScopedEnv no_instance("LEADSCOUT_LOG_INSTANCE", nullptr);
  EXPECT_EQ(ll::Config::from_env().instance, "");
  {
    lt::ScopedEnv shard("LEADSCOUT_SHARD", "2/4");
    EXPECT_EQ(ll::Config::from_env().instance, "shard-2-of-4");
    lt::ScopedEnv named("LEADSCOUT_LOG_INSTANCE", "web_1-a");
    EXPECT_EQ(ll::Config::from_env().instance, "web_1-a") << "an explicit name wins over the shard";
  }
  {
    lt::ScopedEnv index("JOB_COMPLETION_INDEX", "3");
    lt::ScopedEnv count("LEADSCOUT_SHARD_COUNT", "4");
    EXPECT_EQ(ll::Config::from_env().instance, "shard-3-of-4");
  }
  lt::ScopedEnv whole("LEADSCOUT_SHARD", "0/1");
  EXPECT_EQ(ll::Config::from_env().instance, "") << "one shard is the whole input: no suffix";
}

TEST(LogConfig, BadInstanceValuesNameTheVariable) {
  lt::ScopedEnv no_shard("LEADSCOUT_SHARD", nullptr);
  lt::ScopedEnv no_index("JOB_COMPLETION_INDEX", nullptr);
  for (const char* bad : {"a.b", "../x", "a b", "x/y", "é"}) {
    lt::ScopedEnv named("LEADSCOUT_LOG_INSTANCE", bad);
    const std::string msg = from_env_error();
    EXPECT_NE(msg.find("LEADSCOUT_LOG_INSTANCE"), std::string::npos) << bad << ": " << msg;
    EXPECT_NE(msg.find(bad), std::string::npos) << msg;
  }
  lt::ScopedEnv no_instance("LEADSCOUT_LOG_INSTANCE", nullptr);
  {
    lt::ScopedEnv shard("LEADSCOUT_SHARD", "4/4");
    EXPECT_NE(from_env_error().find("LEADSCOUT_SHARD=\"4/4\""), std::string::npos) << from_env_error();
  }
  {
    lt::ScopedEnv index("JOB_COMPLETION_INDEX", "1");
    lt::ScopedEnv count("LEADSCOUT_SHARD_COUNT", nullptr);
    EXPECT_NE(from_env_error().find("LEADSCOUT_SHARD_COUNT"), std::string::npos) << from_env_error();
  }
}

TEST(LogConfig, BadInstanceInCodeIsRejectedAtInit) {
  lt::TempDir dir;
  ll::Config cfg = lt::test_config(dir);
  cfg.instance = "a/b";
  try {
    ll::init(cfg);
    FAIL() << "init accepted a path as instance name";
  } catch (const ll::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("\"a/b\""), std::string::npos) << e.what();
  }
}

namespace {

/// A route's fields as one line, to compare whole route lists.
std::string describe(const ll::Route& r) {
  std::string globs;
  for (const auto& g : r.loggers) globs += g + " ";
  return r.file + " | " + globs + "| " + std::string(ll::to_string(r.min_level)) + ".." +
         std::string(ll::to_string(r.max_level)) + " | " + (r.format == ll::Format::json ? "json" : "console") +
         (r.sink ? " | sink" : "");
}

std::vector<std::string> describe(const std::vector<ll::Route>& routes) {
  std::vector<std::string> out;
  for (const auto& r : routes) out.push_back(describe(r));
  return out;
}

}  // namespace

TEST(LogConfig, DefaultRoutesAreTheDocumentedTree) {
  const std::vector<std::string> json = {
      "debug/classification-{date}.log | classification | debug..critical | json",
      "debug/api-calls-{date}.log | api | debug..critical | json",
      "debug/performance-{date}.log | performance | debug..critical | json",
      "production/operations-{date}.log | * !progress | info..critical | json",
      "production/errors-{date}.log | * | error..critical | json",
      "production/metrics-{date}.log | metrics | info..critical | json",
      "progress/current-operation.log | progress | trace..critical | console",
  };
  EXPECT_EQ(describe(ll::Config::default_routes()), json);
  EXPECT_EQ(describe(ll::Config::from_env().routes), json);
  EXPECT_EQ(describe(ll::Config().routes), json);
  std::vector<std::string> console = describe(ll::Config::default_routes(ll::Format::console));
  ASSERT_EQ(console.size(), json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    std::string expected = json[i];
    if (const std::size_t at = expected.rfind("| json"); at != std::string::npos) expected.replace(at, 6, "| console");
    EXPECT_EQ(console[i], expected) << "the progress lines stay in the console format";
  }
  lt::ScopedEnv format("LEADSCOUT_LOG_FORMAT", "console");
  EXPECT_EQ(describe(ll::Config::from_env().routes), console);
}

TEST(LogConfig, FromEnvStartsFromTheTreeAProgramPasses) {
  ll::Config base;
  base.routes = {{"a-{date}.log", {"a"}, ll::Level::debug, ll::Level::critical, ll::Format::json},
                 {"lines.log", {"lines"}, ll::Level::trace, ll::Level::critical, ll::Format::console}};
  base.console_loggers = {"*", "!lines"};
  base.retention_days = 3;
  {
    const ll::Config cfg = ll::Config::from_env(base);
    EXPECT_EQ(describe(cfg.routes), describe(base.routes));
    EXPECT_EQ(cfg.console_loggers, base.console_loggers);
    EXPECT_EQ(cfg.retention_days, 3);
  }
  lt::TempDir dir;
  const auto routes = dir.path() / "routes.json";
  std::ofstream(routes) << R"({"routes": [{"file": "extra.log"}]})";
  lt::ScopedEnv format("LEADSCOUT_LOG_FORMAT", "console");
  lt::ScopedEnv retention("LEADSCOUT_LOG_RETENTION_DAYS", "9");
  lt::ScopedEnv file("LEADSCOUT_LOG_CONFIG", routes.c_str());
  const ll::Config cfg = ll::Config::from_env(base);
  EXPECT_EQ(describe(cfg.routes), (std::vector<std::string>{"a-{date}.log | a | debug..critical | console",
                                                             "lines.log | lines | trace..critical | console",
                                                             "extra.log | | debug..critical | json"}))
      << "the format applies to the tree passed, the routes file is added after it";
  EXPECT_EQ(cfg.console_loggers, base.console_loggers);
  EXPECT_EQ(cfg.retention_days, 9);
}

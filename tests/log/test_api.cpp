// The documented logging API, compiled exactly as written, and what it writes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <thread>

#include "log_test_utils.hpp"

namespace lt = leadscout::test;

TEST(LogApi, CallsAsWrittenInTheIssue) {
  lt::TempDir dir;
  lt::ScopedEnv log_dir("LEADSCOUT_LOG_DIR", (dir.path() / "logs").c_str());
  lt::ScopedEnv console("LEADSCOUT_LOG_CONSOLE", "off");

  namespace ll = leadscout::log;

  ll::init(ll::Config::from_env());                 // or a Config built in code
  auto log = ll::get("classification");             // loggers are named categories
  log.debug("Rule classification attempt", {{"name", "DIEMBY LUBAMBO"}});
  auto item_log = log.bind({{"batch_id", 42}, {"operation", "logistics_demo"}});
  item_log.info("Item processed", {{"item_id", 7}, {"result", "african"}, {"confidence", 0.85}});
  item_log.warning("LLM fallback triggered", {{"provider", "anthropic"}, {"attempt", 2}});
  try { throw std::runtime_error("boom"); }
  catch (const std::exception& e) { item_log.error("Processing error", e, {{"item_id", 7}}); }
  ll::get("api").critical("Provider unreachable", {{"provider", "openai"}});
  ll::flush();                                      // everything so far is on disk

  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path() / "logs")) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::filesystem::path classification, errors;
  for (const auto& f : files) {
    const auto name = f.filename().string();
    if (name.rfind("classification-", 0) == 0) classification = f;
    if (name.rfind("errors-", 0) == 0) errors = f;
  }
  ASSERT_FALSE(classification.empty());
  const auto lines = lt::read_json_lines(classification);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["event"], "Rule classification attempt");
  EXPECT_EQ(lines[0]["level"], "debug");
  EXPECT_EQ(lines[0]["name"], "DIEMBY LUBAMBO");
  EXPECT_EQ(lines[1]["batch_id"], 42);
  EXPECT_EQ(lines[1]["operation"], "logistics_demo");
  EXPECT_EQ(lines[1]["confidence"], 0.85);
  EXPECT_EQ(lines[2]["level"], "warning");
  EXPECT_EQ(lines[2]["attempt"], 2);
  EXPECT_EQ(lines[3]["exception"], "std::runtime_error: boom");
  const auto error_lines = lt::read_json_lines(errors);
  ASSERT_EQ(error_lines.size(), 2u);
  EXPECT_EQ(error_lines[1]["logger"], "api");
  EXPECT_EQ(error_lines[1]["level"], "critical");
  ll::shutdown();                                   // flush and close; also done at exit
}

TEST(LogApi, LevelsAndEnabled) {
  lt::TempDir dir;
  namespace ll = leadscout::log;
  auto cfg = lt::test_config(dir);
  cfg.logger_levels = {{"api", ll::Level::warning}};
  ll::init(cfg);
  auto api = ll::get("api");
  auto sub = ll::get("api.openai");
  auto cls = ll::get("classification");
  EXPECT_FALSE(api.enabled(ll::Level::info));
  EXPECT_TRUE(api.enabled(ll::Level::warning));
  EXPECT_FALSE(sub.enabled(ll::Level::info)) << "api=warning covers api.openai";
  EXPECT_TRUE(cls.enabled(ll::Level::debug));
  EXPECT_FALSE(cls.enabled(ll::Level::trace)) << "no route takes trace";
  EXPECT_FALSE(cls.enabled(ll::Level::off));
  ll::shutdown();
}

TEST(LogApi, MacroDoesNotEvaluateFieldsWhenDisabled) {
  lt::TempDir dir;
  namespace ll = leadscout::log;
  ll::init(lt::test_config(dir));
  int evaluated = 0;
  auto expensive = [&] {
    ++evaluated;
    return std::string("value");
  };
  auto log = ll::get("classification");
  LEADSCOUT_TRACE(log, "never", {{"v", expensive()}});
  EXPECT_EQ(evaluated, 0);
  LEADSCOUT_DEBUG(log, "always", {{"v", expensive()}});
  EXPECT_EQ(evaluated, 1);
  ll::shutdown();
}

TEST(LogApi, ScopedContextAddsFieldsOnThisThreadOnly) {
  lt::TempDir dir;
  namespace ll = leadscout::log;
  ll::init(lt::test_config(dir));
  auto log = ll::get("classification");
  {
    ll::ScopedContext ctx{{{"operation", "demo"}}};
    {
      ll::ScopedContext inner{{{"batch_id", 3}}};
      log.info("inside");
    }
    std::thread([&] { log.info("other thread"); }).join();
    log.info("outer only");
  }
  log.info("outside");
  ll::flush();
  std::filesystem::path file;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "logs" / "debug")) file = e.path();
  const auto lines = lt::read_json_lines(file);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["operation"], "demo");
  EXPECT_EQ(lines[0]["batch_id"], 3);
  EXPECT_FALSE(lines[1].contains("operation"));
  EXPECT_EQ(lines[2]["operation"], "demo");
  EXPECT_FALSE(lines[2].contains("batch_id"));
  EXPECT_FALSE(lines[3].contains("operation"));
  ll::shutdown();
}

TEST(LogApi, NestedExceptionChain) {
  lt::TempDir dir;
  namespace ll = leadscout::log;
  ll::init(lt::test_config(dir));
  try {
    try {
      throw std::invalid_argument("bad name");
    } catch (...) {
      std::throw_with_nested(std::runtime_error("classification failed"));
    }
  } catch (const std::exception& e) {
    ll::get("classification").error("Processing error", e);
  }
  ll::flush();
  std::filesystem::path file;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "logs" / "production")) {
    if (e.path().filename().string().rfind("errors-", 0) == 0) file = e.path();
  }
  const auto lines = lt::read_json_lines(file);
  ASSERT_EQ(lines.size(), 1u);
  const std::string ex = lines[0]["exception"];
  EXPECT_NE(ex.find("classification failed"), std::string::npos) << ex;
  EXPECT_NE(ex.find("caused by std::invalid_argument: bad name"), std::string::npos) << ex;
  ll::shutdown();
}

TEST(LogApi, BeforeInitWarningsGoToStderr) {
  namespace ll = leadscout::log;
  const std::string text = lt::capture_stderr([] {
    auto log = ll::get("early");
    log.info("not shown");
    log.warning("shown", {{"k", 1}});
  });
  EXPECT_EQ(text.find("not shown"), std::string::npos);
  EXPECT_NE(text.find("WARNING shown k=1"), std::string::npos) << text;
}

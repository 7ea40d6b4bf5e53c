// JSON lines: valid whatever the input, one line per event, key order, no duplicate keys,
// redaction and the line-length limit.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "log_test_utils.hpp"

namespace lt = leadscout::test;
namespace ll = leadscout::log;

namespace {

/// Logs through `fn` into a fresh tree and returns the raw lines of the classification file.
template <class F>
std::vector<std::string> log_lines(F&& fn, ll::Config cfg_override = {}, bool use_override = false) {
  lt::TempDir dir;
  ll::Config cfg = use_override ? cfg_override : lt::test_config(dir);
  if (use_override) cfg.dir = dir.path() / "logs", cfg.console = ll::ConsoleMode::off;
  ll::init(cfg);
  fn(ll::get("classification"));
  ll::shutdown();
  std::vector<std::string> lines;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "logs" / "debug")) {
    if (e.path().filename().string().rfind("classification-", 0) == 0) lines = lt::read_lines(e.path());
  }
  return lines;
}

}  // namespace

TEST(LogJson, HostileStringsStayOneValidLine) {
  const std::vector<std::string> hostile = {
      "quote \" and backslash \\",
      "newline\nand\r\ncarriage",
      std::string("nul\0byte", 8),
      "tab\tbell\a escape\x1b[31m",
      "invalid utf8 \xC3\x28 \xA0\xA1 \xE2\x28\xA1 \xF0\x90\x28\xBC \xFF\xFE",
      "overlong \xC0\xAF and surrogate \xED\xA0\x80",
      "truncated multibyte at end \xE2\x82",
      "valid: DIEMBY LUBAMBO, \xC3\xA9t\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80",
      "\\u0000 literal",
      "}\n{\"level\":\"critical\"}",
  };
  const auto lines = log_lines([&](const ll::Logger& log) {
    for (const auto& s : hostile) log.info(s, {{s, s}, {"value", s}});
  });
  ASSERT_EQ(lines.size(), hostile.size()) << "one line per event";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto j = nlohmann::json::parse(lines[i]);  // throws on invalid JSON or UTF-8
    EXPECT_EQ(j["level"], "info");
  }
  const auto valid = nlohmann::json::parse(lines[7]);
  EXPECT_EQ(valid["value"], hostile[7]) << "valid UTF-8 round-trips";
  EXPECT_EQ(nlohmann::json::parse(lines[2])["value"], hostile[2]) << "NUL is escaped, not cut";
  const std::string replaced = nlohmann::json::parse(lines[4])["value"];
  EXPECT_NE(replaced.find("\xEF\xBF\xBD"), std::string::npos) << "invalid bytes become U+FFFD";
}

TEST(LogJson, KeyOrderAndNoDuplicateKeys) {
  lt::TempDir dir;
  ll::init(lt::test_config(dir));
  {
    ll::ScopedContext ctx{{{"operation", "ctx"}, {"shared", "from-context"}}};
    auto log = ll::get("classification").bind({{"batch_id", 1}, {"shared", "from-bind"}});
    log.info("Item processed", {{"item_id", 7}, {"shared", "from-event"}, {"item_id", 8}});
    try {
      throw std::logic_error("x");
    } catch (const std::exception& e) {
      log.error("failed", e, {{"event", "user event key"}, {"level", "user level"}});
    }
  }
  ll::shutdown();
  std::filesystem::path file;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "logs" / "debug")) {
    if (e.path().extension() == ".log") file = e.path();
  }
  const auto raw = lt::read_lines(file);
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(lt::keys_in_order(raw[0]),
            (std::vector<std::string>{"timestamp", "level", "logger", "event", "operation", "shared", "batch_id", "item_id"}));
  const auto j = nlohmann::json::parse(raw[0]);
  EXPECT_EQ(j["shared"], "from-event") << "a later key replaces an earlier one";
  EXPECT_EQ(j["item_id"], 8);
  const auto keys = lt::keys_in_order(raw[1]);
  EXPECT_EQ(keys.back(), "exception");
  EXPECT_EQ(std::count(keys.begin(), keys.end(), "event"), 1);
  EXPECT_EQ(std::count(keys.begin(), keys.end(), "level"), 1);
  const auto e = nlohmann::json::parse(raw[1]);
  EXPECT_EQ(e["event"], "failed");
  EXPECT_EQ(e["_event"], "user event key") << "a field named like a top-level key is kept, prefixed";
}

TEST(LogJson, TimestampIsIsoUtcWithMicroseconds) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 10, 30, 15) + std::chrono::microseconds(42));
  ll::init(lt::test_config(dir, &clock));
  ll::get("classification").info("x");
  ll::shutdown();
  const auto lines = lt::read_json_lines(dir.path() / "logs/debug/classification-2025-07-06.log");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["timestamp"], "2025-07-06T10:30:15.000042Z");
}

TEST(LogJson, AllValueTypes) {
  const auto lines = log_lines([](const ll::Logger& log) {
    const std::string s = "std::string";
    const std::string_view sv = "view";
    log.info("types", {{"s", s},
                       {"sv", sv},
                       {"cs", "literal"},
                       {"t", true},
                       {"f", false},
                       {"i8", static_cast<std::int8_t>(-8)},
                       {"u16", static_cast<std::uint16_t>(65535)},
                       {"i64", std::numeric_limits<std::int64_t>::min()},
                       {"u64", std::numeric_limits<std::uint64_t>::max()},
                       {"d", 0.85},
                       {"whole", 2.0},
                       {"nan", std::nan("")},
                       {"inf", std::numeric_limits<double>::infinity()},
                       {"null", nullptr},
                       {"ms", std::chrono::milliseconds(1840)},
                       {"us", std::chrono::microseconds(1500)},
                       {"c", 'x'},
                       {"providers", std::vector<std::string>{"openai", "anthropic"}},
                       {"ints", std::vector<int>{1, -2, 3}},
                       {"sizes", std::vector<std::size_t>{7, 8}},
                       {"scores", std::vector<double>{0.5, 1.25}}});
  });
  ASSERT_EQ(lines.size(), 1u);
  const auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["s"], "std::string");
  EXPECT_EQ(j["sv"], "view");
  EXPECT_EQ(j["cs"], "literal");
  EXPECT_EQ(j["t"], true);
  EXPECT_EQ(j["f"], false);
  EXPECT_EQ(j["i8"], -8);
  EXPECT_EQ(j["u16"], 65535);
  EXPECT_EQ(j["i64"].get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(j["u64"].get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(j["d"], 0.85);
  EXPECT_TRUE(j["whole"].is_number_float());
  EXPECT_EQ(j["nan"], "NaN");
  EXPECT_EQ(j["inf"], "Infinity");
  EXPECT_TRUE(j["null"].is_null());
  EXPECT_EQ(j["ms"], 1840.0);
  EXPECT_EQ(j["us"], 1.5);
  EXPECT_EQ(j["c"], "x");
  EXPECT_EQ(j["providers"], nlohmann::json::array({"openai", "anthropic"}));
  EXPECT_EQ(j["ints"], nlohmann::json::array({1, -2, 3}));
  EXPECT_EQ(j["sizes"], nlohmann::json::array({7, 8}));
  EXPECT_EQ(j["scores"], nlohmann::json::array({0.5, 1.25}));
}

TEST(LogJson, SecretsAreRedacted) {
  lt::ScopedEnv redact("LEADSCOUT_LOG_REDACT", "session_id, ssn");
  const auto cfg = ll::Config::from_env();
  const auto lines = log_lines(
      [](const ll::Logger& log) {
        log.info("secrets", {{"api_key", "sk-1"},
                             {"APIKEY", "sk-2"},
                             {"Authorization", "Bearer x"},
                             {"password", "p"},
                             {"client_secret", "s"},
                             {"access_token", "t"},
                             {"openai-api-key", "k"},
                             {"session_id", "extra"},
                             {"SSN", "123"},
                             {"tokens", 1234},
                             {"token_count", 5},
                             {"name", "visible"}});
      },
      cfg, true);
  ASSERT_EQ(lines.size(), 1u);
  const auto j = nlohmann::json::parse(lines[0]);
  for (const char* k : {"api_key", "APIKEY", "Authorization", "password", "client_secret", "access_token",
                        "openai-api-key", "session_id", "SSN"}) {
    EXPECT_EQ(j[k], "***") << k;
  }
  EXPECT_EQ(j["tokens"], 1234) << "LLM token counts are not secrets";
  EXPECT_EQ(j["token_count"], 5);
  EXPECT_EQ(j["name"], "visible");
  EXPECT_EQ(lines[0].find("sk-1"), std::string::npos);
}

TEST(LogJson, LongValuesAreCutToTheLineLimit) {
  ll::Config cfg;
  cfg.max_line = 2048;
  const std::string huge(100000, 'a');
  std::string multibyte;
  for (int i = 0; i < 5000; ++i) multibyte += "\xE2\x82\xAC\"";  // euro sign and a quote
  std::vector<std::string> many(3000, "item");
  const auto lines = log_lines(
      [&](const ll::Logger& log) {
        log.info("big", {{"huge", huge}, {"small", "kept"}});
        log.info("multibyte", {{"m", multibyte}, {"n", 1}});
        log.info("array", {{"many", many}});
        log.info(huge, {{"event_too", true}});
      },
      cfg, true);
  ASSERT_EQ(lines.size(), 4u);
  for (const auto& line : lines) {
    EXPECT_LE(line.size() + 1, 2048u);
    const auto j = nlohmann::json::parse(line);  // still valid UTF-8 and JSON
    EXPECT_EQ(j["level"], "info");
  }
  const auto big = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(big["small"], "kept");
  EXPECT_NE(big["huge"].get<std::string>().find("[truncated "), std::string::npos);
  const auto arr = nlohmann::json::parse(lines[2]);
  EXPECT_NE(arr["many"].get<std::string>().find("[truncated "), std::string::npos);
  EXPECT_TRUE(nlohmann::json::parse(lines[3])["event_too"].get<bool>());
}

TEST(LogJson, ManyFieldsAreDroppedWithAMarkerWhenCuttingIsNotEnough) {
  ll::Config cfg;
  cfg.max_line = 1024;
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) keys.push_back("field_number_" + std::to_string(i));
  const auto lines = log_lines(
      [&](const ll::Logger& log) {
        std::vector<ll::Field> fields;
        for (const auto& k : keys) fields.push_back({k, 12345});
        // Build the initializer list in chunks of bound loggers: 300 fields in one event.
        auto l = log;
        for (std::size_t i = 0; i < fields.size(); i += 3) {
          l = l.bind({fields[i], fields[i + 1], fields[i + 2]});
        }
        l.info("wide");
      },
      cfg, true);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_LE(lines[0].size() + 1, 1024u);
  const auto j = nlohmann::json::parse(lines[0]);
  EXPECT_GT(j["_truncated_fields"].get<int>(), 0);
}

TEST(LogJson, ConsoleFormatQuotesOnlyWhenNeeded) {
  lt::TempDir dir;
  lt::FakeClock clock(lt::utc(2025, 7, 6, 10, 30, 15));
  auto cfg = lt::test_config(dir, &clock);
  cfg.routes = {ll::Route{"console.log", {}, ll::Level::debug, ll::Level::critical, ll::Format::console}};
  ll::init(cfg);
  ll::get("production").info("Starting logistics lead processing", {{"batch_size", 500}});
  ll::get("production").info("Names", {{"name", "DIEMBY LUBAMBO"}, {"empty", ""}, {"eq", "a=b"}, {"plain", "x"}});
  ll::shutdown();
  const auto lines = lt::read_lines(dir.path() / "logs/console.log");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "2025-07-06T10:30:15Z INFO Starting logistics lead processing batch_size=500");
  EXPECT_EQ(lines[1], "2025-07-06T10:30:15Z INFO Names name=\"DIEMBY LUBAMBO\" empty=\"\" eq=\"a=b\" plain=x");
}

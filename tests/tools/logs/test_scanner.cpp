// The line scanner: what it accepts, what it rejects and why, timestamps and unescaping.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "iso8601.hpp"
#include "scanner.hpp"

namespace lg = leadscout::logs_tool;

namespace {

lg::ScanError scan(std::string_view line) {
  lg::Event e;
  return lg::scan_line(line, e);
}

}  // namespace

TEST(LogsScanner, ReadsStandardFieldsAndExtras) {
  const std::string line =
      R"({"timestamp":"2025-07-06T10:30:15.123456Z","level":"warning","logger":"api.openai",)"
      R"("event":"LLM fallback triggered","provider":"anthropic","attempt":2,"ok":true,)"
      R"("none":null,"providers":["openai","anthropic"],"nested":{"a":[1,{"b":2}]},"x":-1.5e3})";
  lg::Event e;
  ASSERT_EQ(lg::scan_line(line, e), lg::ScanError::none);
  EXPECT_EQ(e.timestamp, "2025-07-06T10:30:15.123456Z");
  EXPECT_EQ(e.lvl, lg::Level::warning);
  EXPECT_EQ(e.logger, "api.openai");
  EXPECT_EQ(e.name, "LLM fallback triggered");
  ASSERT_EQ(e.fields.size(), 11u);
  EXPECT_EQ(e.find("provider")->value, "anthropic");
  EXPECT_EQ(e.find("providers")->kind, lg::ValueKind::array);
  EXPECT_EQ(e.find("providers")->value, R"(["openai","anthropic"])");
  EXPECT_EQ(e.find("nested")->kind, lg::ValueKind::object);
  EXPECT_EQ(e.find("ok")->kind, lg::ValueKind::boolean);
  EXPECT_EQ(e.find("none")->kind, lg::ValueKind::null);
  EXPECT_EQ(e.number("attempt"), 2.0);
  EXPECT_EQ(e.number("x"), -1500.0);
  EXPECT_FALSE(e.number("provider").has_value());
  EXPECT_EQ(e.find("missing"), nullptr);
  EXPECT_EQ(e.time_us, leadscout::common::days_from_civil(2025, 7, 6) * 86400000000 +
                           (10 * 3600 + 30 * 60 + 15) * 1000000LL + 123456);
}

TEST(LogsScanner, AcceptsKeysInAnyOrderAndOffsets) {
  lg::Event e;
  ASSERT_EQ(lg::scan_line(R"( {"event":"e","logger":"l","level":"info","timestamp":"2025-07-06T12:30:15+02:00"} )", e),
            lg::ScanError::none);
  EXPECT_EQ(e.time_us, *lg::parse_timestamp("2025-07-06T10:30:15Z"));
  EXPECT_EQ(e.logger, "l");
}

TEST(LogsScanner, RejectsCorruptLinesWithReasons) {
  const std::string ok_head = R"({"timestamp":"2025-07-06T10:30:15.123456Z","level":"info","logger":"a","event":"e")";
  EXPECT_EQ(scan(ok_head + "}"), lg::ScanError::none);
  EXPECT_EQ(scan("not json"), lg::ScanError::not_object);
  EXPECT_EQ(scan("[1,2]"), lg::ScanError::not_object);
  EXPECT_EQ(scan(ok_head), lg::ScanError::truncated);
  EXPECT_EQ(scan(ok_head.substr(0, 40)), lg::ScanError::truncated);
  EXPECT_EQ(scan(ok_head + R"(,"x":tru)"), lg::ScanError::truncated);
  EXPECT_EQ(scan(ok_head + "} {}"), lg::ScanError::trailing_data);
  EXPECT_EQ(scan(ok_head + ",}"), lg::ScanError::syntax);
  EXPECT_EQ(scan(ok_head + R"(,"x":01})"), lg::ScanError::syntax);
  EXPECT_EQ(scan(ok_head + R"(,"x":"\q"})"), lg::ScanError::syntax);
  EXPECT_EQ(scan(ok_head + ",\"x\":\"a\xff\"}"), lg::ScanError::invalid_utf8);
  EXPECT_EQ(scan(ok_head + ",\"x\":\"\xc3\"}"), lg::ScanError::invalid_utf8);
  EXPECT_EQ(scan(ok_head + ",\"x\":\"\xed\xa0\x80\"}"), lg::ScanError::invalid_utf8);  // surrogate
  EXPECT_EQ(scan(ok_head + ",\"x\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}"), lg::ScanError::none);
  EXPECT_EQ(scan(ok_head + ",\"x\":\"a\tb\"}"), lg::ScanError::control_character);
  EXPECT_EQ(scan(std::string(ok_head + ",\"x\":\"a") + '\0' + "b\"}"),
            lg::ScanError::control_character);
  EXPECT_EQ(scan(R"({"level":"info","logger":"a","event":"e"})"), lg::ScanError::missing_field);
  EXPECT_EQ(scan(R"({"timestamp":"2025-07-06T10:30:15Z","level":"info","logger":"a","event":5})"),
            lg::ScanError::missing_field);
  EXPECT_EQ(scan(R"({"timestamp":"2025-07-06T10:30:15Z","level":"loud","logger":"a","event":"e"})"),
            lg::ScanError::bad_level);
  EXPECT_EQ(scan(R"({"timestamp":"yesterday","level":"info","logger":"a","event":"e"})"),
            lg::ScanError::bad_timestamp);
  EXPECT_EQ(scan(R"({"timestamp":"2025-02-30T10:30:15Z","level":"info","logger":"a","event":"e"})"),
            lg::ScanError::bad_timestamp);
  EXPECT_EQ(scan(std::string(200, '[')), lg::ScanError::not_object);
  EXPECT_EQ(scan(ok_head + ",\"x\":" + std::string(1100, '[') + std::string(1100, ']') + "}"),
            lg::ScanError::too_deep);
}

// Whatever bytes come in, the scanner neither crashes nor accepts what nlohmann rejects.
TEST(LogsScanner, AgreesWithNlohmannOnMutatedLines) {
  const std::string base =
      R"({"timestamp":"2025-07-06T10:30:15.123456Z","level":"info","logger":"api","event":"LLM call",)"
      R"("provider":"openai","tokens":120,"cost_usd":0.0012,"latency_ms":1800.5,"ok":true,"n":null,"arr":[1,"two",{"three":3}]})";
  std::mt19937 rng(42);
  const std::string alphabet = "{}[]\":,\\ 0123456789.eE-+tfnul\x80\xff\xc3\xa9" "ab";
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = base;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; ++k) {
      const std::size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[pos] = alphabet[rng() % alphabet.size()]; break;
        case 1: s.erase(pos, 1); break;
        default: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
      }
    }
    lg::Event e;
    const auto rc = lg::scan_line(s, e);
    const bool valid_json = nlohmann::json::accept(s);
    if (rc == lg::ScanError::none) {
      ++accepted;
      EXPECT_TRUE(valid_json) << s;
    } else if (rc != lg::ScanError::missing_field && rc != lg::ScanError::bad_level &&
               rc != lg::ScanError::bad_timestamp) {
      EXPECT_FALSE(valid_json) << s << " rejected as " << lg::describe(rc);
    }
  }
  EXPECT_GT(accepted, 100);
}

TEST(LogsScanner, Timestamps) {
  EXPECT_EQ(*lg::parse_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*lg::parse_timestamp("1970-01-01T00:00:01.5Z"), 1500000);
  EXPECT_EQ(*lg::parse_timestamp("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(*lg::parse_timestamp("1969-12-31T23:00:00-01:00"), 0);
  EXPECT_FALSE(lg::parse_timestamp("2025-07-06T10:30:15"));  // files always carry a zone
  EXPECT_FALSE(lg::parse_timestamp("2025-07-06T25:30:15Z"));
  EXPECT_FALSE(lg::parse_timestamp("2025-07-06 10:30:15Z"));
  EXPECT_EQ(lg::format_timestamp_us(*lg::parse_timestamp("2025-07-06T10:30:15.123456Z")),
            "2025-07-06T10:30:15.123456Z");
  EXPECT_EQ(lg::format_timestamp_us(*lg::parse_timestamp("2024-02-29T23:59:59.000001Z")),
            "2024-02-29T23:59:59.000001Z");

  bool date_only = false;
  EXPECT_EQ(*lg::parse_time_bound("2025-07-06", date_only), leadscout::common::days_from_civil(2025, 7, 6) * 86400000000);
  EXPECT_TRUE(date_only);
  EXPECT_EQ(*lg::parse_time_bound("2025-07-06 10:30", date_only),
            *lg::parse_timestamp("2025-07-06T10:30:00Z"));
  EXPECT_FALSE(date_only);
  EXPECT_EQ(*lg::parse_time_bound("2025-07-06T12:30:00+02:00", date_only),
            *lg::parse_timestamp("2025-07-06T10:30:00Z"));
  EXPECT_FALSE(lg::parse_time_bound("06/07/2025", date_only));
  EXPECT_FALSE(lg::parse_time_bound("2025-13-01", date_only));
  EXPECT_FALSE(lg::parse_time_bound("2025-07-06Tnoon", date_only));
}

TEST(LogsScanner, UnescapeAndQuote) {
  EXPECT_EQ(lg::unescape(R"(a\"b\\c\/d\n\t)"), "a\"b\\c/d\n\t");
  EXPECT_EQ(lg::unescape(R"(caf\u00e9)"), "caf\xc3\xa9");
  EXPECT_EQ(lg::unescape(R"(\ud83d\ude00)"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(lg::unescape(R"(\ud83d!)"), "\xef\xbf\xbd!");
  std::string q;
  leadscout::common::append_json_string(q, "a \"b\"\n\x01");
  EXPECT_EQ(q, R"("a \"b\"\n\u0001")");
}

TEST(LogsScanner, Levels) {
  EXPECT_EQ(lg::parse_level("critical"), lg::Level::critical);
  EXPECT_FALSE(lg::parse_level("WARN"));
  EXPECT_EQ(lg::parse_level_lenient("WARN"), lg::Level::warning);
  EXPECT_EQ(lg::parse_level_lenient("Error"), lg::Level::error);
  EXPECT_EQ(lg::level_upper(lg::Level::warning), "WARNING");
}

// The shared text library: globs and logger-name matching, level names, UTF-8, JSON strings and
// the JSON scanner (checked against nlohmann's parser), ISO-8601 timestamps and durations.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "duration_text.hpp"
#include "glob.hpp"
#include "iso8601.hpp"
#include "json_scan.hpp"
#include "json_string.hpp"
#include "level_names.hpp"
#include "logger_match.hpp"
#include "utf8.hpp"

namespace lc = leadscout::common;

TEST(CommonText, GlobMatch) {
  EXPECT_TRUE(lc::glob_match("api", "api"));
  EXPECT_FALSE(lc::glob_match("api", "api.openai"));
  EXPECT_TRUE(lc::glob_match("api*", "api.openai"));
  EXPECT_TRUE(lc::glob_match("*.openai", "api.openai"));
  EXPECT_TRUE(lc::glob_match("a?i", "api"));
  EXPECT_FALSE(lc::glob_match("a?i", "apii"));
  EXPECT_TRUE(lc::glob_match("*", ""));
  EXPECT_TRUE(lc::glob_match("c*t*n", "classification"));
  EXPECT_FALSE(lc::glob_match("c*t*n", "classifications"));
}

TEST(CommonText, LoggerNameCoversItsChildren) {
  EXPECT_TRUE(lc::logger_covers("api", "api"));
  EXPECT_TRUE(lc::logger_covers("api", "api.openai.chat"));
  EXPECT_TRUE(lc::logger_covers("api.openai", "api.openai.chat"));
  EXPECT_FALSE(lc::logger_covers("api", "apis"));
  EXPECT_FALSE(lc::logger_covers("api.openai", "api"));
  EXPECT_FALSE(lc::logger_covers("api*", "api.openai"));  // literal: no glob
  EXPECT_FALSE(lc::logger_covers("openai", "api.openai"));
}

TEST(CommonText, LoggerGlobMatchesADottedPrefix) {
  EXPECT_TRUE(lc::logger_glob_matches("api", "api.openai.chat"));
  EXPECT_TRUE(lc::logger_glob_matches("*.openai", "api.openai"));
  EXPECT_TRUE(lc::logger_glob_matches("*.openai", "api.openai.chat"));
  EXPECT_TRUE(lc::logger_glob_matches("a?i.*", "api.openai"));
  EXPECT_TRUE(lc::logger_glob_matches("*", ""));
  EXPECT_FALSE(lc::logger_glob_matches("*.openai", "api.openai2"));
  EXPECT_FALSE(lc::logger_glob_matches("*.openai", "openai.chat"));
  EXPECT_FALSE(lc::logger_glob_matches("api.*", "api"));
  EXPECT_FALSE(lc::logger_glob_matches("api", "apis.openai"));
}

TEST(CommonText, LoggerGlobListIncludesAndExcludes) {
  using G = std::vector<std::string>;
  EXPECT_TRUE(lc::logger_globs_match(G{}, "anything"));
  EXPECT_TRUE(lc::logger_globs_match(G{"!api"}, "classification"));
  EXPECT_FALSE(lc::logger_globs_match(G{"!api"}, "api.openai"));
  EXPECT_TRUE(lc::logger_globs_match(G{"api", "!api.internal"}, "api.openai"));
  EXPECT_FALSE(lc::logger_globs_match(G{"api", "!api.internal"}, "api.internal.cache"));
  EXPECT_FALSE(lc::logger_globs_match(G{"!*.internal", "api"}, "api.internal.cache"));
  EXPECT_FALSE(lc::logger_globs_match(G{"api"}, "classification"));
  EXPECT_TRUE(lc::logger_globs_match(G{"metrics", "*.openai"}, "api.openai.chat"));
}

TEST(CommonText, LevelNames) {
  EXPECT_EQ(lc::level_index("warning", false), 3u);
  EXPECT_FALSE(lc::level_index("WARNING", false)) << "log lines use lowercase names";
  EXPECT_FALSE(lc::level_index("warn", false));
  EXPECT_EQ(lc::level_index("WARN", true), 3u);
  EXPECT_EQ(lc::level_index("Err", true), 4u);
  EXPECT_EQ(lc::level_index("off", true), 6u);
  EXPECT_FALSE(lc::level_index("verbose", true));
  EXPECT_EQ(lc::level_upper_names[5], "CRITICAL");
}

TEST(CommonText, Utf8SequencesValidInvalidAndTruncated) {
  std::size_t n = 0;
  EXPECT_EQ(lc::check_utf8_sequence("\xE2\x82\xAC", 0, n), lc::Utf8Check::valid);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(lc::check_utf8_sequence("\xE2\x82", 0, n), lc::Utf8Check::truncated);
  EXPECT_EQ(lc::check_utf8_sequence("\xC0\xAF", 0, n), lc::Utf8Check::invalid) << "overlong";
  EXPECT_EQ(lc::check_utf8_sequence("\xED\xA0\x80", 0, n), lc::Utf8Check::invalid) << "surrogate";
  EXPECT_EQ(lc::check_utf8_sequence("\xF4\x90\x80\x80", 0, n), lc::Utf8Check::invalid) << "above U+10FFFF";
  EXPECT_EQ(lc::check_utf8_sequence("\x80", 0, n), lc::Utf8Check::invalid);
  const std::string s = "a\xE2\x82\xAC" "b";
  EXPECT_EQ(lc::utf8_prefix_length(s, 3), 1u);
  EXPECT_EQ(lc::utf8_prefix_length(s, 4), 4u);
}

TEST(CommonText, JsonStringsRoundTripThroughUnescape) {
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 24, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    std::string quoted;
    lc::append_json_string(quoted, bytes);
    const auto parsed = nlohmann::json::parse(quoted).get<std::string>();  // throws on invalid JSON
    EXPECT_EQ(lc::json_unescape(std::string_view(quoted).substr(1, quoted.size() - 2)), parsed);
  }
  EXPECT_EQ(lc::json_unescape(R"(\ud83d\ude00 \u00e9 \ud83d!)"), "\xf0\x9f\x98\x80 \xc3\xa9 \xef\xbf\xbd!");
}

TEST(CommonText, ScannerAgreesWithNlohmannOnMutatedObjects) {
  const std::string base = R"({"timestamp":"2025-07-06T10:30:15Z","n":[1,2.5e3,{"x":null}],"s":"caf\u00e9 \u00e9","t":true})";
  std::vector<lc::JsonMember> members;
  ASSERT_EQ(lc::scan_json_object(base, members), lc::JsonScanError::none);
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(members[1].kind, lc::JsonKind::array);
  EXPECT_EQ(members[1].value, R"([1,2.5e3,{"x":null}])");
  EXPECT_TRUE(members[2].value_escaped);
  std::mt19937 rng(5);
  const std::string alphabet = "{}[]\",:0123456789.eE-+tfnul \\\x01\xC3\xA9\xFF";
  for (int i = 0; i < 20000; ++i) {
    std::string text = base;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
      const std::size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: text.erase(at, 1); break;
        default: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
      }
    }
    const bool ours = lc::scan_json_object(text, members) == lc::JsonScanError::none;
    const bool theirs = nlohmann::json::accept(text) && nlohmann::json::parse(text).is_object();
    ASSERT_EQ(ours, theirs) << text;
  }
  EXPECT_EQ(lc::scan_json_object(R"({"a":"x)", members), lc::JsonScanError::truncated);
  EXPECT_EQ(lc::scan_json_object("{\"a\":\"\xC3", members), lc::JsonScanError::truncated) << "cut inside a character";
  EXPECT_EQ(lc::scan_json_object("{\"a\":\"\xFF\"}", members), lc::JsonScanError::invalid_utf8);
  EXPECT_EQ(lc::scan_json_object(R"({"a":1} x)", members), lc::JsonScanError::trailing_data);
  EXPECT_EQ(lc::scan_json_object("[1]", members), lc::JsonScanError::not_object);
  EXPECT_EQ(lc::scan_json_object(std::string(1100, '[').insert(0, R"({"a":)"), members), lc::JsonScanError::too_deep);
  EXPECT_EQ(lc::scan_json_object(R"({"a":"\ud83d\ude00"})", members), lc::JsonScanError::none);
  EXPECT_EQ(lc::scan_json_object(R"({"a":"\ud83d"})", members), lc::JsonScanError::syntax) << "lone high surrogate";
  EXPECT_EQ(lc::scan_json_object(R"({"a":"\ude00"})", members), lc::JsonScanError::syntax) << "lone low surrogate";
}

TEST(CommonText, Iso8601FormatAndParseRoundTrip) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    const auto us = static_cast<std::int64_t>(rng() % 8'000'000'000'000'000ULL) - 2'000'000'000'000'000LL;
    const std::string text = lc::format_iso8601_utc(us, 6);
    ASSERT_EQ(lc::parse_iso8601(text, {}), us) << text;
  }
  EXPECT_EQ(lc::format_iso8601_utc(0, 0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(lc::format_iso8601_utc(-1, 3), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(lc::format_iso8601_utc(1'751'797'815'123'456, 6), "2025-07-06T10:30:15.123456Z");
}

TEST(CommonText, Iso8601SyntaxOptions) {
  const std::int64_t day = lc::days_from_civil(2025, 7, 6) * 86'400'000'000;
  EXPECT_EQ(lc::parse_iso8601("2025-07-06T10:30:15+02:00", {}), day + (8 * 3600 + 30 * 60 + 15) * 1'000'000LL);
  EXPECT_FALSE(lc::parse_iso8601("2025-07-06T10:30:15", {})) << "a zone is required by default";
  EXPECT_FALSE(lc::parse_iso8601("2025-07-06 10:30:15Z", {}));
  EXPECT_FALSE(lc::parse_iso8601("2025-02-29T00:00:00Z", {})) << "not a leap year";
  EXPECT_TRUE(lc::parse_iso8601("2024-02-29T00:00:00Z", {}));
  EXPECT_FALSE(lc::parse_iso8601("2025-07-06T10:30:15.1234567890Z", {})) << "at most 9 fraction digits";
  const lc::Iso8601Syntax lenient{.any_separator = true, .optional_seconds = true, .optional_zone = true,
                                  .date_only = true};
  bool date_only = false;
  EXPECT_EQ(lc::parse_iso8601("2025-07-06", lenient, &date_only), day);
  EXPECT_TRUE(date_only);
  EXPECT_EQ(lc::parse_iso8601("2025-07-06 10:30", lenient, &date_only), day + (10 * 3600 + 30 * 60) * 1'000'000LL);
  EXPECT_FALSE(date_only);
  EXPECT_FALSE(lc::parse_iso8601("2025-07-06", {}));
}

// ---- durations, one test per format ----

using namespace std::chrono_literals;

TEST(CommonDuration, ClockStyleRoundsToTheSecond) {
  EXPECT_EQ(lc::format_clock_duration(0), "00:00");
  EXPECT_EQ(lc::format_clock_duration(0.49), "00:00");
  EXPECT_EQ(lc::format_clock_duration(0.5), "00:01");
  EXPECT_EQ(lc::format_clock_duration(47), "00:47");
  EXPECT_EQ(lc::format_clock_duration(123), "02:03");
  EXPECT_EQ(lc::format_clock_duration(3599.4), "59:59");
  EXPECT_EQ(lc::format_clock_duration(3599.5), "1:00:00");
  EXPECT_EQ(lc::format_clock_duration(3723), "1:02:03");
  EXPECT_EQ(lc::format_clock_duration(100 * 3600 + 61), "100:01:01");
}

TEST(CommonDuration, ShortStyleShowsTheTwoLeadingUnits) {
  EXPECT_EQ(lc::format_short_duration(0), "0s");
  EXPECT_EQ(lc::format_short_duration(-5), "0s");
  EXPECT_EQ(lc::format_short_duration(std::nan("")), "0s");
  EXPECT_EQ(lc::format_short_duration(2.9), "2s");
  EXPECT_EQ(lc::format_short_duration(59.99), "59s");
  EXPECT_EQ(lc::format_short_duration(60), "1m00s");
  EXPECT_EQ(lc::format_short_duration(65), "1m05s");
  EXPECT_EQ(lc::format_short_duration(3599), "59m59s");
  EXPECT_EQ(lc::format_short_duration(2 * 3600 + 3 * 60 + 59), "2h03m");
  EXPECT_EQ(lc::format_short_duration(86400 + 3600 + 1), "1d01h");
  EXPECT_EQ(lc::format_short_duration(1e300), "11574074d01h") << "clamped to 1e12 s";
}

TEST(CommonDuration, LongStyleShowsTheThreeLeadingUnits) {
  EXPECT_EQ(lc::format_long_duration(0us), "0.000s");
  EXPECT_EQ(lc::format_long_duration(3500ms), "3.500s");
  EXPECT_EQ(lc::format_long_duration(59999999us), "60.000s") << "rounded, still under a minute";
  EXPECT_EQ(lc::format_long_duration(65s), "1m05s");
  EXPECT_EQ(lc::format_long_duration(1h + 2min + 3s + 999ms), "1h02m03s");
  EXPECT_EQ(lc::format_long_duration(26h + 3min + 4s), "1d02h03m");
}

TEST(CommonDuration, GoStyleAtMillisecondPrecision) {
  EXPECT_EQ(lc::format_go_duration(0ms), "0s");
  EXPECT_EQ(lc::format_go_duration(20ms), "20ms");
  EXPECT_EQ(lc::format_go_duration(1s), "1s");
  EXPECT_EQ(lc::format_go_duration(1500ms), "1.5s");
  EXPECT_EQ(lc::format_go_duration(6min), "6m0s");
  EXPECT_EQ(lc::format_go_duration(62500ms), "1m2.5s");
  EXPECT_EQ(lc::format_go_duration(1h + 2min + 3004ms), "1h2m3.004s");
  EXPECT_EQ(lc::format_go_duration(25h), "25h0m0s");
  EXPECT_EQ(lc::format_go_duration(-5ms), "0s");
}

TEST(CommonDuration, ExactStyleUsesTheLargestWholeUnit) {
  EXPECT_EQ(lc::format_exact_duration(1h), "1h");
  EXPECT_EQ(lc::format_exact_duration(36h), "36h");
  EXPECT_EQ(lc::format_exact_duration(5min), "5m");
  EXPECT_EQ(lc::format_exact_duration(90min), "90m");
  EXPECT_EQ(lc::format_exact_duration(90s), "90s");
  EXPECT_EQ(lc::format_exact_duration(250ms), "250ms");
  EXPECT_EQ(lc::format_exact_duration(1001ms), "1001ms");
}

// White-box checks of the binary event encoding and the JSON string writer.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "front/encoding.hpp"
#include "back/json_writer.hpp"

namespace ld = leadscout::log::detail;

TEST(LogEncoding, RoundTripsEveryKind) {
  std::string payload;
  const std::vector<std::string> names{"a", "b"};
  const std::vector<int> ints{1, -2};
  ld::encode_event(payload, 7, "event", {}, {}, {{"s", "x"}, {"i", -5}, {"u", 5u}, {"d", 0.5}, {"n", nullptr},
                                                 {"b", true}, {"names", names}, {"ints", ints}},
                   "boom", true);
  ld::DecodedEvent ev;
  ASSERT_TRUE(ld::decode_event(payload, ev));
  EXPECT_EQ(ev.category, 7u);
  EXPECT_EQ(ev.event, "event");
  ASSERT_EQ(ev.fields.size(), 8u);
  EXPECT_EQ(ev.fields[0].str, "x");
  EXPECT_EQ(ev.fields[1].num.i, -5);
  EXPECT_EQ(ev.fields[2].num.u, 5u);
  EXPECT_EQ(ev.fields[3].num.d, 0.5);
  EXPECT_EQ(ev.fields[4].kind, ld::EncodedKind::null);
  EXPECT_TRUE(ev.fields[5].num.b);
  EXPECT_EQ(ev.fields[6].array_size, 2u);
  EXPECT_EQ(ld::array_element<std::int64_t>(ev.fields[7], 1), -2);
  EXPECT_EQ(ev.exception, "boom");
}

TEST(LogEncoding, TruncatedOrGarbagePayloadIsRejectedNotOverread) {
  std::string payload;
  ld::encode_event(payload, 1, "event", {}, {}, {{"key", "value"}, {"n", 1}}, {}, false);
  ld::DecodedEvent ev;
  for (std::size_t cut = 0; cut < payload.size(); ++cut) {
    EXPECT_FALSE(ld::decode_event(std::string_view(payload).substr(0, cut), ev)) << cut;
  }
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string garbage(rng() % 64, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    (void)ld::decode_event(garbage, ev);  // must not crash (ASan checks the bounds)
  }
}

TEST(LogEncoding, JsonStringsAlwaysParseForRandomBytes) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    std::string out;
    ld::append_json_string(out, bytes);
    const auto parsed = nlohmann::json::parse(out);  // throws on invalid JSON or UTF-8
    ASSERT_TRUE(parsed.is_string());
  }
}

TEST(LogEncoding, Utf8PrefixNeverSplitsACharacter) {
  const std::string s = "a\xE2\x82\xAC" "b";  // a € b
  EXPECT_EQ(ld::utf8_prefix_length(s, 2), 1u);
  EXPECT_EQ(ld::utf8_prefix_length(s, 3), 1u);
  EXPECT_EQ(ld::utf8_prefix_length(s, 4), 4u);
  EXPECT_EQ(ld::utf8_prefix_length(s, 100), 5u);
}

// White-box checks of the caller's direct encoder: the same bytes as encode_event(), so the
// backend decodes both alike, for every kind it accepts, and a refusal for every other kind.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "front/direct_encoding.hpp"
#include "front/encoding.hpp"

namespace ll = leadscout::log;
namespace ld = leadscout::log::detail;

namespace {

/// The direct encoder's bytes, or "refused" when it turns the event away.
std::string direct(const ld::DirectEvent& e, std::size_t room = 1 << 16) {
  std::string out(room, '\0');
  const char* end = ld::direct_encode(e, out.data(), out.data() + out.size());
  if (end == nullptr) return "refused";
  out.resize(static_cast<std::size_t>(end - out.data()));
  return out;
}

std::string general(const ld::DirectEvent& e) {
  std::string out;
  ld::encode_event(out, e.category, e.event, e.context, e.bound, e.fields, {}, false, e.source);
  return out;
}

}  // namespace

TEST(LogDirectEncoding, SameBytesAsEncodeEventForEveryScalarKind) {
  std::string context, bound;
  ld::encode_fields(context, {{"request_id", "r-1"}});
  ld::encode_fields(bound, {{"worker", 3}});
  const std::string owned = "owned string";
  const ll::Fields fields{{"s", "text"},        {"sv", std::string_view("view")}, {"owned", owned},
                          {"i", -42},           {"i8", std::int8_t{-8}},          {"u", 42u},
                          {"u64", ~0ull},       {"d", 0.85},                      {"f", 1.5f},
                          {"b", true},          {"b0", false},                    {"c", 'x'},
                          {"n", nullptr},       {"ms", std::chrono::seconds(2)},  {"empty", ""},
                          {"nullstr", static_cast<const char*>(nullptr)}};
  const ld::SourceView where{"file.cpp", 12, "fn"};
  for (const ld::SourceView* source : {static_cast<const ld::SourceView*>(nullptr), &where}) {
    const ld::DirectEvent e{9, "Item processed", context, bound, fields, source};
    const std::string bytes = direct(e);
    EXPECT_EQ(bytes, general(e));
    ld::DecodedEvent ev;
    ASSERT_TRUE(ld::decode_event(bytes, ev));
    EXPECT_EQ(ev.category, 9u);
    EXPECT_EQ(ev.event, "Item processed");
    ASSERT_EQ(ev.fields.size(), fields.size() + 2);  // context and bound come first
    EXPECT_EQ(ev.fields[0].str, "r-1");
    EXPECT_EQ(ev.fields[1].num.i, 3);
    EXPECT_EQ(ev.fields[2].str, "text");
    EXPECT_EQ(ev.fields[5].num.i, -42);
    EXPECT_EQ(ev.fields[8].num.u, ~0ull);
    EXPECT_EQ(ev.fields[9].num.d, 0.85);
    EXPECT_TRUE(ev.fields[11].num.b);
    EXPECT_EQ(ev.fields[13].str, "x");
    EXPECT_EQ(ev.fields[14].kind, ld::EncodedKind::null);
    EXPECT_EQ(ev.fields[15].kind, ld::EncodedKind::duration_ms);
    EXPECT_EQ(ev.fields[15].num.d, 2000.0);
    EXPECT_EQ(ev.source.has_value(), source != nullptr);
  }
}

TEST(LogDirectEncoding, InvalidUtf8AndHugeStringsAreCopiedAsBytes) {
  const std::string invalid = "\xff\xfe\xc3(\xed\xa0\x80 \x00 tail";
  const std::string huge(3 * 1024 * 1024, '\x80');
  const ll::Fields fields{{"bad", invalid}, {"huge", huge}, {std::string_view("k\xff\"ey"), 1}};
  const ld::DirectEvent e{1, "\xc0\xaf", {}, {}, fields, nullptr};
  const std::string bytes = direct(e, huge.size() + 1024);
  EXPECT_EQ(bytes, general(e));
  ld::DecodedEvent ev;
  ASSERT_TRUE(ld::decode_event(bytes, ev));
  ASSERT_EQ(ev.fields.size(), 3u);
  EXPECT_EQ(ev.fields[0].str, invalid);
  EXPECT_EQ(ev.fields[1].str.size(), huge.size());
  EXPECT_EQ(ev.fields[2].key, "k\xff\"ey");
}

TEST(LogDirectEncoding, ArraysObjectsAndConversionsTakeTheGeneralPath) {
  const std::vector<int> ints{1, 2};
  const std::vector<std::string> names{"a"};
  const ll::Object object{{"k", 1}};
  const std::error_code ec = std::make_error_code(std::errc::timed_out);
  for (const ll::Field& f : ll::Fields{{"ints", ints}, {"names", names}, {"object", object}, {"ec", ec}}) {
    const ll::Fields list{{"ok", 1}, f};  // named: DirectEvent holds only a view of the list
    EXPECT_EQ(direct(ld::DirectEvent{1, "e", {}, {}, list, nullptr}), "refused") << f.key;
  }
  EXPECT_NE(direct(ld::DirectEvent{1, "e", {}, {}, {}, nullptr}), "refused") << "no fields at all";
}

TEST(LogDirectEncoding, AnEventLargerThanItsRoomIsRefusedWithoutWritingPastIt) {
  const std::string name(100, 'n');
  const ll::Fields fields{{"name", name}, {"item_id", 7}, {"ok", true}};
  const ld::SourceView source{"src/app.cpp", 42, "main"};
  const ld::DirectEvent e{1, "Item processed", "", "", fields, &source};
  const std::string whole = direct(e);
  ASSERT_NE(whole, "refused");
  EXPECT_EQ(whole, general(e));
  // Every room short of the whole payload is refused, and nothing is written past the room.
  for (std::size_t room = 0; room < whole.size(); ++room) {
    std::string out(room + 16, '#');
    EXPECT_EQ(ld::direct_encode(e, out.data(), out.data() + room), nullptr) << room;
    EXPECT_EQ(out.substr(room), std::string(16, '#')) << room;
  }
  EXPECT_EQ(direct(e, whole.size() + 8), whole) << "a field may ask for up to 8 bytes more than it takes";
}

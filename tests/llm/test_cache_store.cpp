// The response cache's parts through their private headers: canonical keys, the SQLite
// store's eviction, expiry and version check, and single flight.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <atomic>
#include <thread>

#include "cache/cache_key.hpp"
#include "cache/single_flight.hpp"
#include "cache/sqlite_store.hpp"
#include "utils.hpp"

namespace {

namespace lm = leadscout::llm;
namespace lmd = leadscout::llm::detail;
using leadscout::test::TempDir;
using nlohmann::json;

lmd::CachedAnswer answer_of(std::string text) {
  return lmd::CachedAnswer{.text = std::move(text), .model = "m", .input_tokens = 1, .output_tokens = 2, .cost_usd = 0.5};
}

TEST(LlmCacheKey, KeyOrderSpacingAndNumberSpellingDoNotMatter) {
  const lm::Request a{.system = "s", .user = "u", .schema = R"({"type":"object","maximum":1,"properties":{"a":{},"b":{}}})"};
  lm::Request b = a;
  b.schema = R"({ "properties": {"b": {}, "a": {}}, "maximum": 1.0, "type": "object" })";
  EXPECT_EQ(lmd::cache_key(lm::Api::openai, "gpt-4o-mini", a), lmd::cache_key(lm::Api::openai, "gpt-4o-mini", b));
  EXPECT_EQ(lmd::canonical_json(json::parse("[1.0, 2.5, -0.0, 3]")).dump(), "[1,2.5,0,3]");
}

TEST(LlmCacheKey, EveryFieldThatDecidesTheAnswerIsInTheKey) {
  const lm::Request base{.system = "s", .user = "u", .schema = "", .max_tokens = 10, .temperature = 0};
  const std::string key = lmd::cache_key(lm::Api::openai, "m", base);
  EXPECT_EQ(key.size(), 64U);
  EXPECT_NE(key, lmd::cache_key(lm::Api::anthropic, "m", base));
  EXPECT_NE(key, lmd::cache_key(lm::Api::openai, "other", base));
  for (auto change : std::vector<void (*)(lm::Request&)>{
           [](lm::Request& r) { r.system = "t"; }, [](lm::Request& r) { r.user = "v"; },
           [](lm::Request& r) { r.schema = R"({"type":"object"})"; }, [](lm::Request& r) { r.max_tokens = 11; },
           [](lm::Request& r) { r.temperature = 0.5; }}) {
    lm::Request r = base;
    change(r);
    EXPECT_NE(key, lmd::cache_key(lm::Api::openai, "m", r));
  }
  EXPECT_EQ(lmd::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(LlmSqliteStore, StoresReadsAndEvictsTheLeastRecentlyUsedPastMaxBytes) {
  TempDir dir;
  lmd::SqliteStore store(dir.path() / "c.sqlite", {.max_bytes = 1000}, leadscout::log::get("test"));
  const std::string text(200, 'x');
  store.store("k1", answer_of(text));
  store.store("k2", answer_of(text));
  store.store("k3", answer_of(text));
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const auto hit = store.lookup("k1");  // k1 is now the most recently used
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->text, text);
  EXPECT_EQ(hit->model, "m");
  EXPECT_EQ(hit->output_tokens, 2);
  EXPECT_EQ(hit->cost_usd, 0.5);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  store.store("k4", answer_of(text));
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  store.store("k5", answer_of(text));  // 5 x 203 bytes > 1000: k2, the least recently used, goes
  EXPECT_LE(store.bytes(), 1000);
  EXPECT_TRUE(store.lookup("k1"));
  EXPECT_FALSE(store.lookup("k2"));
  EXPECT_TRUE(store.lookup("k5"));
}

TEST(LlmSqliteStore, ExpiredEntriesAreNotReturned) {
  TempDir dir;
  lmd::SqliteStore store(dir.path() / "c.sqlite", {.ttl = std::chrono::seconds(0)}, leadscout::log::get("test"));
  store.store("k", answer_of("a"));
  EXPECT_FALSE(store.lookup("k"));
}

TEST(LlmSqliteStore, AFileOfAnotherVersionIsMovedAside) {
  TempDir dir;
  const auto file = dir.path() / "c.sqlite";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x); PRAGMA user_version = 7;", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  lmd::SqliteStore store(file, {}, leadscout::log::get("test"));
  EXPECT_NE(store.moved_aside().string().find("c.sqlite.other-version-"), std::string::npos) << store.moved_aside();
  EXPECT_TRUE(std::filesystem::exists(store.moved_aside()));
  store.store("k", answer_of("a"));
  EXPECT_TRUE(store.lookup("k"));
  lmd::SqliteStore again(file, {}, leadscout::log::get("test"));
  EXPECT_TRUE(again.moved_aside().empty()) << "its own file is kept";
  EXPECT_TRUE(again.lookup("k"));
}

TEST(LlmSingleFlight, FollowersGetTheLeadersAnswerOrLeadTheNextTry) {
  lmd::SingleFlight flights;
  const auto leader = flights.join("k");
  ASSERT_TRUE(leader.leads());
  std::atomic<int> got{0};
  std::vector<std::jthread> followers;
  for (int i = 0; i < 4; ++i) {
    followers.emplace_back([&] {
      const auto seat = flights.join("k");
      EXPECT_FALSE(seat.leads());
      if (const auto a = flights.wait(seat, {})) got += a->text == "answer" ? 1 : 0;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  flights.finish("k", answer_of("answer"));
  followers.clear();
  EXPECT_EQ(got, 4);
  EXPECT_TRUE(flights.join("k").leads()) << "a finished flight is gone";
}

}  // namespace

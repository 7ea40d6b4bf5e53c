// Field values beyond the scalars: user types through to_log_value, enums, optionals,
// durations, paths, error codes, ranges and nested objects, and the caps that keep any of them
// from making a line invalid or too long.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <list>
#include <optional>
#include <ranges>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "log_test_utils.hpp"

namespace ll = leadscout::log;
namespace lt = leadscout::test;

namespace shop {

struct Money {
  long cents;
  std::string currency;
};
// Returns a temporary: it must be written before it is destroyed.
std::string to_log_value(const Money& m) { return std::to_string(m.cents / 100) + "." + std::to_string(m.cents % 100) + " " + m.currency; }

struct Customer {
  std::string name;
  Money balance;
  std::vector<std::string> tags;
};
ll::Object to_log_value(const Customer& c) { return {{"name", c.name}, {"balance", c.balance}, {"tags", c.tags}}; }

struct Id {
  int n;
};
Money to_log_value(const Id& id) { return Money{id.n * 100L, "EUR"}; }  // a chain of conversions

enum class Tier { gold, silver };
std::string to_string(Tier t) { return t == Tier::gold ? "gold" : "silver"; }
enum class Plain { zero, one, two };

struct Endless {
  int n;
};
Endless to_log_value(const Endless& e) { return Endless{e.n + 1}; }  // never reaches a plain value

struct Broken {};
[[noreturn]] std::string to_log_value(const Broken&) { throw std::runtime_error("no value"); }

}  // namespace shop

namespace {

class LogValues : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = lt::test_config(dir_);
    cfg.async = false;
    cfg.max_line = max_line_;
    ll::init(cfg);
  }
  void TearDown() override { ll::shutdown(); }
  /// The lines of the classification file so far.
  std::vector<nlohmann::json> lines() {
    ll::flush();
    return lt::read_dated(dir_, "debug", "classification");
  }
  nlohmann::json last() {
    auto all = lines();
    return all.empty() ? nlohmann::json() : all.back();
  }
  ll::Logger log_ = ll::get("classification");
  lt::TempDir dir_;
  std::size_t max_line_ = 32 * 1024;
};

TEST_F(LogValues, UserTypesThroughToLogValue) {
  const shop::Customer ann{"Ann", {1250, "EUR"}, {"new", "vip"}};
  log_.info("Customer", {{"who", ann}, {"price", shop::Money{999, "USD"}}, {"id", shop::Id{3}}});
  const auto j = last();
  EXPECT_EQ(j["who"], nlohmann::json::parse(R"({"name":"Ann","balance":"12.50 EUR","tags":["new","vip"]})"));
  EXPECT_EQ(j["price"], "9.99 USD");
  EXPECT_EQ(j["id"], "3.0 EUR");
}

TEST_F(LogValues, TemporariesAreWrittenBeforeTheyAreDestroyed) {
  log_.info("Temporaries", {{"path", std::filesystem::path("a") / "b.csv"},
                            {"who", shop::Customer{"Bob", {5, "EUR"}, {std::string(100, 'x')}}},
                            {"list", std::list<std::string>{std::string(50, 'y'), "z"}}});
  const auto j = last();
  EXPECT_EQ(j["path"], "a/b.csv");
  EXPECT_EQ(j["who"]["balance"], "0.5 EUR");
  EXPECT_EQ(j["who"]["tags"][0], std::string(100, 'x'));
  EXPECT_EQ(j["list"][0], std::string(50, 'y'));
}

TEST_F(LogValues, EnumsByNameElseByNumber) {
  log_.info("Enums", {{"tier", shop::Tier::silver}, {"plain", shop::Plain::two}, {"severity", ll::Level::warning}});
  const auto j = last();
  EXPECT_EQ(j["tier"], "silver");
  EXPECT_EQ(j["plain"], 2);
  EXPECT_EQ(j["severity"], "warning");  // leadscout's own to_string(Level), found by ADL
}

TEST_F(LogValues, OptionalsDurationsPathsAndErrorCodes) {
  const std::optional<int> none;
  const std::optional<std::string> some = "here";
  const std::optional<shop::Tier> tier = shop::Tier::gold;
  log_.info("Standard types", {{"none", none},
                               {"some", some},
                               {"tier", tier},
                               {"nullopt", std::nullopt},
                               {"elapsed", std::chrono::microseconds(1500)},
                               {"timeout", std::chrono::seconds(2)},
                               {"error", std::make_error_code(std::errc::no_such_file_or_directory)},
                               {"ok", std::error_code()}});
  const auto j = last();
  EXPECT_TRUE(j["none"].is_null());
  EXPECT_EQ(j["some"], "here");
  EXPECT_EQ(j["tier"], "gold");
  EXPECT_TRUE(j["nullopt"].is_null());
  EXPECT_EQ(j["elapsed"], 1.5) << "durations are milliseconds";
  EXPECT_EQ(j["timeout"], 2000.0);
  EXPECT_EQ(j["error"]["value"], ENOENT);
  EXPECT_EQ(j["error"]["category"], "generic");
  EXPECT_EQ(j["error"]["message"], std::make_error_code(std::errc::no_such_file_or_directory).message());
  EXPECT_EQ(j["ok"]["value"], 0);
}

TEST_F(LogValues, AnyRangeIsAnArray) {
  const std::set<int> ids = {3, 1, 2};
  const std::array<double, 2> xy = {0.5, 1.0};
  const std::vector<std::vector<int>> grid = {{1, 2}, {3}};
  const std::vector<std::optional<int>> gaps = {1, std::nullopt};
  const std::vector<bool> flags = {true, false};
  const std::vector<ll::Value> mixed = {1, "two", 3.5, nullptr};
  const std::vector<shop::Money> prices = {{100, "EUR"}, {250, "EUR"}};
  log_.info("Ranges", {{"ids", ids},
                       {"xy", xy},
                       {"grid", grid},
                       {"gaps", gaps},
                       {"flags", flags},
                       {"mixed", mixed},
                       {"prices", prices},
                       {"squares", std::views::iota(1, 4) | std::views::transform([](int i) { return i * i; })},
                       {"empty", std::list<int>()}});
  const auto j = last();
  EXPECT_EQ(j["ids"], nlohmann::json::parse("[1,2,3]"));
  EXPECT_EQ(j["xy"], nlohmann::json::parse("[0.5,1.0]"));
  EXPECT_EQ(j["grid"], nlohmann::json::parse("[[1,2],[3]]"));
  EXPECT_EQ(j["gaps"], nlohmann::json::parse("[1,null]"));
  EXPECT_EQ(j["flags"], nlohmann::json::parse("[true,false]"));
  EXPECT_EQ(j["mixed"], nlohmann::json::parse(R"([1,"two",3.5,null])"));
  EXPECT_EQ(j["prices"], nlohmann::json::parse(R"(["1.0 EUR","2.50 EUR"])"));
  EXPECT_EQ(j["squares"], nlohmann::json::parse("[1,4,9]"));
  EXPECT_EQ(j["empty"], nlohmann::json::array());
}

TEST_F(LogValues, NestedObjectsAreRedactedAndMayBeKept) {
  ll::Object request{{"model", "gpt"}, {"api_key", "sk-secret"}, {"limits", ll::Object{{"tokens", 100}}}};
  request.add("retry", true);
  log_.info("Request", {{"request", request}, {"empty", ll::Object{}}});
  log_.info("Again", {{"request", request}});  // an Object owns its contents
  const auto all = lines();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["request"],
            nlohmann::json::parse(R"({"model":"gpt","api_key":"***","limits":{"tokens":100},"retry":true})"));
  EXPECT_EQ(all[0]["empty"], nlohmann::json::object());
  EXPECT_EQ(all[1]["request"], all[0]["request"]);
}

TEST_F(LogValues, BoundAndContextFieldsTakeTheSameValues) {
  auto bound = log_.bind({{"customer", shop::Customer{"Cy", {1, "EUR"}, {}}}});
  {
    ll::ScopedContext ctx{{{"path", std::filesystem::path("in.csv")}, {"tier", shop::Tier::gold}}};
    bound.info("Bound");
  }
  const auto j = last();
  EXPECT_EQ(j["customer"]["name"], "Cy");
  EXPECT_EQ(j["path"], "in.csv");
  EXPECT_EQ(j["tier"], "gold");
}

TEST_F(LogValues, NestingIsCappedAndEndlessConversionsStop) {
  ll::Object deep{{"leaf", 1}};
  for (int i = 0; i < 40; ++i) deep = ll::Object{{"next", deep}};
  std::vector<std::vector<std::vector<int>>> fine = {{{1}}};
  log_.info("Deep", {{"deep", deep}, {"endless", shop::Endless{0}}, {"fine", fine}});
  const auto j = last();  // parses: the line is valid JSON
  EXPECT_NE(j["deep"].dump().find("...[too deep]"), std::string::npos) << j["deep"].dump();
  EXPECT_EQ(j["endless"], "...[too deep]");
  EXPECT_EQ(j["fine"], nlohmann::json::parse("[[[1]]]"));
}

TEST_F(LogValues, LongRangesAreCut) {
  std::list<int> many(5000, 7);
  log_.info("Many", {{"many", many}, {"lazy", std::views::iota(0)}});  // iota(0) never ends
  const auto j = last();
  ASSERT_EQ(j["many"].size(), ll::detail::ValueWriter::max_elements + 1);
  EXPECT_EQ(j["many"].back(), "...[4000 more]");
  EXPECT_EQ(j["lazy"].back(), "...[more]");
}

TEST_F(LogValues, AConversionThatThrowsLeavesAMarker) {
  log_.info("Broken", {{"broken", shop::Broken{}}, {"list", std::vector<shop::Broken>(2)}, {"after", 1}});
  const auto j = last();
  EXPECT_EQ(j["broken"], "...[conversion failed: no value]");
  EXPECT_EQ(j["list"], nlohmann::json::parse(R"(["...[conversion failed: no value]","...[conversion failed: no value]"])"));
  EXPECT_EQ(j["after"], 1);
}

class LogValuesShortLines : public LogValues {
 protected:
  LogValuesShortLines() { max_line_ = 2048; }
};

TEST_F(LogValuesShortLines, BigValuesStayWithinTheLineCap) {
  std::list<std::string> words(800, std::string(40, 'w'));
  ll::Object big;
  for (int i = 0; i < 200; ++i) big.add("k" + std::to_string(i), std::string(30, 'v'));
  log_.info("Big", {{"words", words}, {"big", big}, {"small", "kept"}});
  ll::flush();
  const auto root = dir_.path() / "logs" / "debug";
  for (const auto& e : std::filesystem::directory_iterator(root)) {
    for (const auto& line : lt::read_lines(e.path())) EXPECT_LE(line.size() + 1, 2048u);
  }
  const auto j = last();
  EXPECT_EQ(j["small"], "kept");
  EXPECT_NE(j["words"].get<std::string>().find("[truncated"), std::string::npos);
}

}  // namespace

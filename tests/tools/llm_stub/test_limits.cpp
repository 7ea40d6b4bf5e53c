// Unit tests of the stub's rate limiter and of its response headers and bodies, on an injected
// clock.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "chat_wire.hpp"
#include "rate_limiter.hpp"
#include "responses.hpp"
#include "stub_test_utils.hpp"
#include "utils.hpp"

namespace stub = leadscout::llm_stub;
namespace wire = leadscout::llm::wire;
namespace lt = leadscout::test;
using namespace std::chrono_literals;
using leadscout::test::utc;

namespace {

/// A steady clock the test moves by hand.
struct ManualClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  [[nodiscard]] stub::RateLimiter::Clock source() {
    return [this] { return now; };
  }
};

/// An answer "hi" that took 120 prompt and 20 completion tokens.
wire::ChatAnswer answer(std::string id, std::string model, std::int64_t created) {
  wire::ChatAnswer a;
  a.id = std::move(id);
  a.model = std::move(model);
  a.created = created;
  a.text = "hi";
  a.input_tokens = 120;
  a.output_tokens = 20;
  return a;
}

}  // namespace

TEST(StubLimiter, RequestBucketRefillsContinuously) {
  ManualClock clock;
  stub::RateLimiter limiter({60, 0}, clock.source());  // one request a second
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(limiter.acquire("k", 10).allowed) << i;
  const auto refused = limiter.acquire("k", 10);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1s);
  EXPECT_EQ(refused.snapshot.requests.remaining, 0);
  clock.now += 500ms;
  EXPECT_FALSE(limiter.acquire("k", 10).allowed);
  clock.now += 500ms;
  EXPECT_TRUE(limiter.acquire("k", 10).allowed);
  EXPECT_FALSE(limiter.acquire("k", 10).allowed);
}

TEST(StubLimiter, RetryAfterIsWholeSecondsRoundedUp) {
  ManualClock clock;
  stub::RateLimiter limiter({5, 0}, clock.source());  // one request every 12 s
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.acquire("k", 1).allowed);
  EXPECT_EQ(limiter.acquire("k", 1).retry_after, 12s);
  clock.now += 11500ms;
  EXPECT_EQ(limiter.acquire("k", 1).retry_after, 1s);  // 0.5 s left
  clock.now += 499ms;
  EXPECT_EQ(limiter.acquire("k", 1).retry_after, 1s);  // 1 ms left: still at least 1
  clock.now += 1ms;
  EXPECT_TRUE(limiter.acquire("k", 1).allowed);
}

TEST(StubLimiter, TokensAreEstimatedThenSettled) {
  ManualClock clock;
  stub::RateLimiter limiter({0, 1200}, clock.source());  // 20 tokens a second
  ASSERT_TRUE(limiter.acquire("k", 800).allowed);
  const auto refused = limiter.acquire("k", 800);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 20s);  // 400 missing at 20 a second
  EXPECT_EQ(refused.snapshot.tokens.remaining, 400);
  const auto settled = limiter.settle("k", 800, 150);  // the call used less than estimated
  EXPECT_EQ(settled.tokens.remaining, 1050);
  EXPECT_TRUE(limiter.acquire("k", 800).allowed);
  EXPECT_EQ(limiter.settle("k", 800, 1000).tokens.remaining, 50);  // and more: a debt
}

TEST(StubLimiter, RequestLargerThanTheBucketWaitsForAFullOne) {
  ManualClock clock;
  stub::RateLimiter limiter({0, 60}, clock.source());
  EXPECT_TRUE(limiter.acquire("k", 500).allowed);
  const auto refused = limiter.acquire("k", 500);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 500s);  // from -440 back to 60 at one a second
}

TEST(StubLimiter, KeysHaveTheirOwnBuckets) {
  ManualClock clock;
  stub::RateLimiter limiter({1, 0}, clock.source());
  EXPECT_TRUE(limiter.acquire("a", 1).allowed);
  EXPECT_FALSE(limiter.acquire("a", 1).allowed);
  EXPECT_TRUE(limiter.acquire("b", 1).allowed);
  EXPECT_EQ(limiter.peek("a").requests.remaining, 0);
  EXPECT_EQ(limiter.peek("c").requests.remaining, 1);
}

TEST(StubLimiter, SnapshotReportsRemainingAndTimeUntilFull) {
  ManualClock clock;
  stub::RateLimiter limiter({10, 6000}, clock.source());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.acquire("k", 100).allowed);
  const auto s = limiter.peek("k");
  EXPECT_EQ(s.requests.limit, 10);
  EXPECT_EQ(s.requests.remaining, 7);
  EXPECT_EQ(s.requests.reset, 18s);  // 3 requests at one per 6 s
  EXPECT_EQ(s.tokens.remaining, 5700);
  EXPECT_EQ(s.tokens.reset, 3s);
  EXPECT_EQ(limiter.peek("k").requests.remaining, 7);  // peeking takes nothing
}

TEST(StubLimiter, UnlimitedAdmitsEverythingAndReportsNominalLimits) {
  ManualClock clock;
  stub::RateLimiter limiter({}, clock.source());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.acquire("k", 100000).allowed);
  const auto s = limiter.peek("k");
  EXPECT_EQ(s.requests.limit, stub::kNominalRpm);
  EXPECT_EQ(s.requests.remaining, stub::kNominalRpm);
  EXPECT_EQ(s.tokens.limit, stub::kNominalTpm);
  EXPECT_EQ(s.tokens.reset, 0ms);
}

TEST(StubLimiter, AShortWindowEnforcesItsShareWhileHeadersReportTheMinute) {
  ManualClock clock;
  // 600 requests and 60,000 tokens a minute, enforced a second at a time: 10 and 1,000.
  stub::RateLimiter limiter({.rpm = 600, .tpm = 60000, .window_seconds = 1}, clock.source());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(limiter.acquire("k", 10).allowed) << i;
  const auto refused = limiter.acquire("k", 10);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1s);
  EXPECT_EQ(refused.snapshot.requests.limit, 600);
  EXPECT_TRUE(refused.requests_refused);
  EXPECT_EQ(refused.snapshot.requests.remaining, 590) << "the minute's bucket is reported";
  EXPECT_EQ(refused.snapshot.requests.reset, 1s);
  EXPECT_EQ(refused.snapshot.tokens.remaining, 59900);
  clock.now += 100ms;  // a tenth of a second gives one request back
  EXPECT_TRUE(limiter.acquire("k", 10).allowed);
  EXPECT_FALSE(limiter.acquire("k", 10).allowed);

  ASSERT_TRUE(limiter.acquire("t", 1000).allowed);
  const auto no_tokens = limiter.acquire("t", 1);
  EXPECT_FALSE(no_tokens.allowed) << "a second's tokens are spent";
  EXPECT_FALSE(no_tokens.requests_refused);
  EXPECT_EQ(limiter.settle("t", 1000, 400).tokens.remaining, 59600) << "both buckets get the refund";
  EXPECT_TRUE(limiter.acquire("t", 600).allowed);
  EXPECT_FALSE(limiter.acquire("t", 1).allowed);
  clock.now += 60s;
  EXPECT_EQ(limiter.peek("t").tokens.remaining, 60000);
  ASSERT_TRUE(limiter.acquire("t", 1000).allowed);
  EXPECT_FALSE(limiter.acquire("t", 1).allowed) << "a full minute's bucket cannot be spent at once";
}

TEST(StubLimiter, TheDefaultWindowIsTheWholeMinute) {
  ManualClock clock;
  stub::RateLimiter limiter({.rpm = 600, .tpm = 0}, clock.source());
  EXPECT_EQ(limiter.limits().window_seconds, 60);
  for (int i = 0; i < 600; ++i) ASSERT_TRUE(limiter.acquire("k", 1).allowed) << i;
  EXPECT_FALSE(limiter.acquire("k", 1).allowed);
}

TEST(StubHeaders, Rfc3339RoundsUpToTheSecond) {
  EXPECT_EQ(stub::format_rfc3339(utc(2025, 7, 6, 10, 30, 15)), "2025-07-06T10:30:15Z");
  EXPECT_EQ(stub::format_rfc3339(utc(2025, 7, 6, 10, 30, 15) + 1ms), "2025-07-06T10:30:16Z");
  EXPECT_EQ(stub::format_rfc3339(utc(2024, 12, 31, 23, 59, 59) + 400ms), "2025-01-01T00:00:00Z");
}

TEST(StubHeaders, OpenAiRateLimitHeaders) {
  const stub::Snapshot s{{500, 499, 120ms}, {200000, 199850, 45ms}};
  auto h = lt::header_map(stub::rate_limit_headers(stub::Api::openai, s, utc(2025, 7, 6)));
  EXPECT_EQ(h.size(), 6u);
  EXPECT_EQ(h["x-ratelimit-limit-requests"], "500");
  EXPECT_EQ(h["x-ratelimit-remaining-requests"], "499");
  EXPECT_EQ(h["x-ratelimit-reset-requests"], "120ms");
  EXPECT_EQ(h["x-ratelimit-limit-tokens"], "200000");
  EXPECT_EQ(h["x-ratelimit-remaining-tokens"], "199850");
  EXPECT_EQ(h["x-ratelimit-reset-tokens"], "45ms");
}

TEST(StubHeaders, AnthropicRateLimitHeaders) {
  const stub::Snapshot s{{50, 0, 1200ms}, {40000, 39000, 1500ms}};
  auto h = lt::header_map(stub::rate_limit_headers(stub::Api::anthropic, s, utc(2025, 7, 6, 10, 30, 15)));
  EXPECT_EQ(h["anthropic-ratelimit-requests-limit"], "50");
  EXPECT_EQ(h["anthropic-ratelimit-requests-remaining"], "0");
  EXPECT_EQ(h["anthropic-ratelimit-requests-reset"], "2025-07-06T10:30:17Z");
  EXPECT_EQ(h["anthropic-ratelimit-tokens-limit"], "40000");
  EXPECT_EQ(h["anthropic-ratelimit-tokens-remaining"], "39000");
  EXPECT_EQ(h["anthropic-ratelimit-tokens-reset"], "2025-07-06T10:30:17Z");
  for (const char* bucket : {"input-tokens", "output-tokens"}) {
    const std::string prefix = std::string("anthropic-ratelimit-") + bucket;
    EXPECT_EQ(h[prefix + "-limit"], "40000");
    EXPECT_EQ(h[prefix + "-remaining"], "39000");
    EXPECT_EQ(h[prefix + "-reset"], "2025-07-06T10:30:17Z");
  }
}

TEST(StubBodies, FenceIsDeterministicForAboutOneNameInFive) {
  int fenced = 0;
  int changed_by_seed = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string name = "Lead " + std::to_string(i);
    EXPECT_EQ(stub::fenced_answer(42, name), stub::fenced_answer(42, name));
    fenced += stub::fenced_answer(42, name) ? 1 : 0;
    changed_by_seed += stub::fenced_answer(42, name) != stub::fenced_answer(7, name) ? 1 : 0;
  }
  EXPECT_GT(fenced, 300);
  EXPECT_LT(fenced, 500);
  EXPECT_GT(changed_by_seed, 0);
}

TEST(StubBodies, AnswerTextIsJsonPlainOrFenced) {
  const std::string plain = stub::answer_text("african", 0.91, false);
  EXPECT_EQ(plain, R"({"label":"african","confidence":0.91})");
  const std::string fenced = stub::answer_text("african", 0.91, true);
  EXPECT_EQ(fenced, "```json\n" + plain + "\n```");
}

TEST(StubBodies, OpenAiCompletionShape) {
  const auto c = answer(stub::response_id(stub::Api::openai, 42, 1), "gpt-4o-mini", 1751797815);
  const auto j = nlohmann::json::parse(wire::response_body(stub::Api::openai, c, false));
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["created"], 1751797815);
  EXPECT_EQ(j["model"], "gpt-4o-mini");
  EXPECT_EQ(j["choices"][0]["index"], 0);
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "hi");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(j["usage"], (nlohmann::json{{"prompt_tokens", 120}, {"completion_tokens", 20}, {"total_tokens", 140}}));
}

TEST(StubBodies, AnthropicMessageShape) {
  const auto c = answer(stub::response_id(stub::Api::anthropic, 42, 1), "claude-3-haiku", 0);
  const auto j = nlohmann::json::parse(wire::response_body(stub::Api::anthropic, c, false));
  EXPECT_EQ(j["id"].get<std::string>().rfind("msg_", 0), 0u);
  EXPECT_EQ(j["type"], "message");
  EXPECT_EQ(j["role"], "assistant");
  EXPECT_EQ(j["model"], "claude-3-haiku");
  EXPECT_EQ(j["content"], (nlohmann::json::array({{{"type", "text"}, {"text", "hi"}}})));
  EXPECT_EQ(j["stop_reason"], "end_turn");
  EXPECT_TRUE(j["stop_sequence"].is_null());
  EXPECT_EQ(j["usage"], (nlohmann::json{{"input_tokens", 120}, {"output_tokens", 20}}));
  EXPECT_FALSE(j.contains("created"));
}

TEST(StubBodies, ErrorBodiesAreShapedLikeTheProviders) {
  const auto o401 = nlohmann::json::parse(stub::error_body(stub::Api::openai, 401, "bad key"));
  EXPECT_EQ(o401, (nlohmann::json{{"error",
                                   {{"message", "bad key"},
                                    {"type", "invalid_request_error"},
                                    {"param", nullptr},
                                    {"code", "invalid_api_key"}}}}));
  const auto o429 = nlohmann::json::parse(stub::error_body(stub::Api::openai, 429, "slow down"));
  EXPECT_EQ(o429["error"]["code"], "rate_limit_exceeded");
  const auto o503 = nlohmann::json::parse(stub::error_body(stub::Api::openai, 503, "busy"));
  EXPECT_EQ(o503["error"]["type"], "server_error");
  EXPECT_TRUE(o503["error"]["code"].is_null());
  const auto a401 = nlohmann::json::parse(stub::error_body(stub::Api::anthropic, 401, "bad key"));
  EXPECT_EQ(a401,
            (nlohmann::json{{"type", "error"}, {"error", {{"type", "authentication_error"}, {"message", "bad key"}}}}));
  EXPECT_EQ(nlohmann::json::parse(stub::error_body(stub::Api::anthropic, 429, "x"))["error"]["type"],
            "rate_limit_error");
  EXPECT_EQ(nlohmann::json::parse(stub::error_body(stub::Api::anthropic, 500, "x"))["error"]["type"], "api_error");
}

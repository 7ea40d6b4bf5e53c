// Provider quotas on their own: token buckets, the AIMD limit, rate-limit headers, admission,
// shared cooldown, budgets, environment overrides and shard shares. Time is a ManualClock.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <leadscout/batch/clock.hpp>
#include <leadscout/batch/options.hpp>
#include <leadscout/batch/quota.hpp>

#include "quota/quota_aimd.hpp"
#include "quota/quota_bucket.hpp"
#include "quota/quota_registry.hpp"
#include "quota/quota_state.hpp"
#include "quota/rate_limit_headers.hpp"
#include "utils.hpp"

namespace lb = leadscout::batch;
namespace lbd = leadscout::batch::detail;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

std::shared_ptr<lb::ManualClock> manual_clock() {
  auto clock = std::make_shared<lb::ManualClock>();
  clock->set_auto_advance(false);
  return clock;
}

std::shared_ptr<lbd::QuotaState> make_state(lb::Quota q, const std::shared_ptr<lb::ManualClock>& clock,
                                            int concurrency = 16) {
  return std::make_shared<lbd::QuotaState>(std::move(q), concurrency, clock);
}

/// A quota whose first call has returned: without configured limits, calls before that one
/// returns wait for it (the probe).
std::shared_ptr<lbd::QuotaState> probed_state(lb::Quota q, const std::shared_ptr<lb::ManualClock>& clock,
                                              int concurrency = 16) {
  auto state = make_state(std::move(q), clock, concurrency);
  state->acquire({}).settle({});
  return state;
}

/// Waits (real time, for another thread to get there) until `done()`; false after 5 s.
template <class F>
bool eventually(F done) {
  for (int i = 0; i < 5000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

/// An acquire on another thread, recording when (on the manual clock) it got its answer.
class Waiter {
 public:
  Waiter(std::shared_ptr<lbd::QuotaState> state, lb::Usage estimate, const std::shared_ptr<lb::ManualClock>& clock)
      : thread_([this, state, estimate, clock](std::stop_token stop) {
          lb::Permit p = state->acquire(estimate, stop);
          at_ = clock->elapsed();
          granted_ = static_cast<bool>(p);
          reason_ = p ? "" : p.failure().reason;
          permit_ = std::move(p);
          done_.store(true);
        }) {}
  [[nodiscard]] bool done() const { return done_.load(); }
  void stop() { thread_.request_stop(); }
  /// Joins, then the answer.
  lb::Permit& join() {
    thread_.join();
    return permit_;
  }
  [[nodiscard]] bool granted() const { return granted_; }
  [[nodiscard]] const std::string& reason() const { return reason_; }
  [[nodiscard]] lb::Clock::duration at() const { return at_; }

 private:
  std::atomic<bool> done_{false};
  lb::Permit permit_;
  bool granted_ = false;
  std::string reason_;
  lb::Clock::duration at_{};
  std::jthread thread_;
};

/// True when the waiter is still blocked a few real milliseconds later.
bool still_waiting(const Waiter& w) {
  std::this_thread::sleep_for(20ms);
  return !w.done();
}

}  // namespace

// ---- token bucket and minute window -----------------------------------------------------------

TEST(BatchQuotaBucket, BurstIsSecondsOfTheRateAndRefillIsContinuous) {
  const auto t0 = lb::Clock::time_point{} + 1h;
  lbd::TokenBucket b(600, 1.0, t0);  // 10 a second, 10 saved up at most
  EXPECT_DOUBLE_EQ(b.capacity(), 10.0);
  int taken = 0;
  while (b.available(1, t0) && taken < 1000) {
    b.take(1, t0);
    ++taken;
  }
  EXPECT_EQ(taken, 10) << "a cold start spends one second of the rate, not a minute's";
  EXPECT_EQ(b.ready_at(1, t0), t0 + 100ms);
  EXPECT_FALSE(b.available(3, t0 + 250ms));
  EXPECT_TRUE(b.available(2, t0 + 250ms));
  EXPECT_NEAR(b.level(t0 + 250ms), 2.5, 1e-9);
  EXPECT_DOUBLE_EQ(b.level(t0 + 1h), 10.0) << "never more than the burst";

  lbd::TokenBucket wide(600, 3.0, t0);
  EXPECT_DOUBLE_EQ(wide.capacity(), 30.0);
  lbd::TokenBucket slow(1, 1.0, t0);  // one a minute: the capacity is still one whole request
  EXPECT_TRUE(slow.available(1, t0));
  slow.take(1, t0);
  EXPECT_EQ(slow.ready_at(1, t0), t0 + 60s);
}

TEST(BatchQuotaBucket, OversizedTakeWaitsForAFullBucketThenLeavesDebt) {
  const auto t0 = lb::Clock::time_point{} + 1h;
  lbd::TokenBucket b(600, 1.0, t0);
  b.take(4, t0);
  EXPECT_FALSE(b.available(25, t0));
  EXPECT_EQ(b.ready_at(25, t0), t0 + 400ms) << "waits for the full capacity, not for 25";
  b.take(25, t0 + 400ms);
  EXPECT_NEAR(b.level(t0 + 400ms), -15.0, 1e-9);
  EXPECT_EQ(b.ready_at(1, t0 + 400ms), t0 + 2s);
  b.give_back(100, t0 + 400ms);
  EXPECT_DOUBLE_EQ(b.level(t0 + 400ms), 10.0) << "a refund never exceeds the capacity";
}

TEST(BatchQuotaBucket, RateChangesKeepTheLevelWithinTheNewCapacity) {
  const auto t0 = lb::Clock::time_point{} + 1h;
  lbd::TokenBucket b(0, 1.0, t0);
  EXPECT_TRUE(b.unlimited());
  EXPECT_TRUE(b.available(1e9, t0));
  b.set_rate(120, t0);  // learned: starts full, like a new bucket
  EXPECT_DOUBLE_EQ(b.level(t0), 2.0);
  b.set_rate(6000, t0 + 1s);
  EXPECT_DOUBLE_EQ(b.level(t0 + 1s), 2.0) << "a higher rate does not invent saved tokens";
  EXPECT_EQ(b.ready_at(100, t0 + 1s), t0 + 1s + 980ms);
  b.set_rate(60, t0 + 1s);
  EXPECT_DOUBLE_EQ(b.level(t0 + 1s), 1.0);
}

TEST(BatchQuotaBucket, MinuteWindowForgetsWhatIsOlderThanAMinute) {
  const auto t0 = lb::Clock::time_point{} + 1h;
  lbd::MinuteWindow w(t0);
  w.add(1, t0);
  w.add(700, t0 + 500ms);
  w.add(-200, t0 + 30s);
  EXPECT_DOUBLE_EQ(w.total(t0 + 30s), 501.0);
  EXPECT_DOUBLE_EQ(w.total(t0 + 59s), 501.0);
  EXPECT_DOUBLE_EQ(w.total(t0 + 60s), -200.0);
  EXPECT_DOUBLE_EQ(w.total(t0 + 91s), 0.0);
  w.add(5, t0 + 120s);  // reuses the first slot
  EXPECT_DOUBLE_EQ(w.total(t0 + 120s), 5.0);
}

// ---- AIMD -------------------------------------------------------------------------------------

TEST(BatchQuotaAimd, GrowsByOneWhenSaturatedAndHalvesOnOverload) {
  lbd::AimdLimit a(64, 8);
  EXPECT_EQ(a.limit(), 8);
  a.on_success(false);
  EXPECT_EQ(a.limit(), 8) << "no growth while the limit is not what holds calls back";
  for (int i = 0; i < 3; ++i) a.on_success(true);
  EXPECT_EQ(a.limit(), 11);
  a.on_overload();
  EXPECT_EQ(a.limit(), 5);
  a.on_overload();
  a.on_overload();
  EXPECT_EQ(a.limit(), 1);
  a.on_overload();
  EXPECT_EQ(a.limit(), 1) << "never below one";
  for (int i = 0; i < 100; ++i) a.on_success(true);
  EXPECT_EQ(a.limit(), 64) << "never above the concurrency";
  lbd::AimdLimit small(3, 8);
  EXPECT_EQ(small.limit(), 3);
}

// ---- rate-limit headers -----------------------------------------------------------------------

namespace {

// The instant every header table below is read at: 2026-11-29T21:04:05Z.
std::chrono::system_clock::time_point table_now() {
  using namespace std::chrono;
  return sys_days{year{2026} / November / 29} + 21h + 4min + 5s;
}

struct Dim {
  std::optional<double> limit, remaining;
  std::optional<long long> reset_ms;
};

struct HeaderCase {
  const char* what;
  Headers headers;
  Dim requests, tokens, input_tokens;
  std::optional<long long> retry_after_ms;
  int malformed = 0;
};

void expect_dim(const lbd::LimitHeaders& got, const Dim& want, const char* what, const char* dim) {
  SCOPED_TRACE(std::string(what) + " / " + dim);
  EXPECT_EQ(got.limit, want.limit);
  EXPECT_EQ(got.remaining, want.remaining);
  ASSERT_EQ(got.reset.has_value(), want.reset_ms.has_value());
  if (want.reset_ms) {
    EXPECT_EQ(std::chrono::ceil<std::chrono::milliseconds>(*got.reset).count(), *want.reset_ms);
  }
}

lbd::RateLimitHeaders parse(const Headers& headers) {
  std::vector<std::pair<std::string_view, std::string_view>> list(headers.begin(), headers.end());
  return lbd::parse_rate_limit_headers(list, table_now());
}

}  // namespace

TEST(BatchQuotaHeaders, RealHeaderSetsOfBothProvidersAndMalformedOnes) {
  const std::vector<HeaderCase> cases = {
      {"openai, a success",
       {{"x-ratelimit-limit-requests", "500"},
        {"x-ratelimit-limit-tokens", "200000"},
        {"x-ratelimit-remaining-requests", "499"},
        {"x-ratelimit-remaining-tokens", "199300"},
        {"x-ratelimit-reset-requests", "120ms"},
        {"x-ratelimit-reset-tokens", "210ms"},
        {"content-type", "application/json"},
        {"openai-processing-ms", "412"}},
       {500, 499, 120},
       {200000, 199300, 210},
       {},
       std::nullopt,
       0},
      {"openai, a 429 with HTTP/1.1 capitals",
       {{"X-RateLimit-Limit-Requests", "10000"},
        {"X-RateLimit-Remaining-Requests", "0"},
        {"X-RateLimit-Reset-Requests", "6m0s"},
        {"X-RateLimit-Reset-Tokens", "1h2m3.5s"},
        {"Retry-After", "20"},
        {"retry-after-ms", "19500"}},
       {10000, 0, 360000},
       {std::nullopt, std::nullopt, 3723500},
       {},
       19500,
       0},
      {"openai, fractional and small units",
       {{"x-ratelimit-reset-requests", "7.66s"}, {"x-ratelimit-reset-tokens", "500us"}},
       {std::nullopt, std::nullopt, 7660},
       {std::nullopt, std::nullopt, 1},
       {},
       std::nullopt,
       0},
      {"anthropic, a success",
       {{"anthropic-ratelimit-requests-limit", "50"},
        {"anthropic-ratelimit-requests-remaining", "49"},
        {"anthropic-ratelimit-requests-reset", "2026-11-29T21:04:06Z"},
        {"anthropic-ratelimit-tokens-limit", "80000"},
        {"anthropic-ratelimit-tokens-remaining", "79300"},
        {"anthropic-ratelimit-tokens-reset", "2026-11-29T21:04:05.250Z"},
        {"anthropic-ratelimit-input-tokens-limit", "40000"},
        {"anthropic-ratelimit-input-tokens-remaining", "39500"},
        {"anthropic-ratelimit-input-tokens-reset", "2026-11-29T22:04:10+01:00"},
        {"anthropic-ratelimit-output-tokens-limit", "8000"},
        {"anthropic-ratelimit-output-tokens-remaining", "7800"},
        {"anthropic-ratelimit-output-tokens-reset", "2026-11-29T21:04:06Z"},
        {"request-id", "req_018EeWyXxfu5pfWkrYcMdjWG"}},
       {50, 49, 1000},
       {80000, 79300, 250},
       {40000, 39500, 5000},
       std::nullopt,
       0},
      {"anthropic, a 429: reset in the past, retry-after as an HTTP date",
       {{"anthropic-ratelimit-requests-remaining", "0"},
        {"anthropic-ratelimit-requests-reset", "2026-11-29T21:00:00Z"},
        {"retry-after", "Sun, 29 Nov 2026 21:04:35 GMT"}},
       {std::nullopt, 0, 0},
       {},
       {},
       30000,
       0},
      {"malformed values are counted and ignored",
       {{"x-ratelimit-limit-requests", "-1"},
        {"x-ratelimit-remaining-requests", "lots"},
        {"x-ratelimit-reset-requests", "6x"},
        {"x-ratelimit-reset-tokens", ""},
        {"x-ratelimit-limit-tokens", "1."},
        {"x-ratelimit-remaining-tokens", " 42 "},
        {"anthropic-ratelimit-requests-reset", "2026-13-01T00:00:00Z"},
        {"anthropic-ratelimit-tokens-reset", "2026-02-30T00:00:00Z"},
        {"anthropic-ratelimit-input-tokens-reset", "2026-11-29 21:04:05"},
        {"retry-after", "soon"},
        {"retry-after-ms", "1e3"},
        {"x-ratelimit-unknown-requests", "whatever"},
        {"x-ratelimit-limit-widgets", "whatever"}},
       {std::nullopt, std::nullopt, std::nullopt},
       {std::nullopt, 42, std::nullopt},
       {},
       std::nullopt,
       10},
      {"a bad HTTP date, a later duplicate wins",
       {{"retry-after", "Sun, 29 Nov 2026 25:00:00 GMT"},
        {"x-ratelimit-limit-requests", "100"},
        {"x-ratelimit-limit-requests", "200"}},
       {200, std::nullopt, std::nullopt},
       {},
       {},
       std::nullopt,
       1},
  };
  for (const auto& c : cases) {
    const lbd::RateLimitHeaders h = parse(c.headers);
    expect_dim(h.requests, c.requests, c.what, "requests");
    expect_dim(h.tokens, c.tokens, c.what, "tokens");
    expect_dim(h.input_tokens, c.input_tokens, c.what, "input-tokens");
    ASSERT_EQ(h.retry_after.has_value(), c.retry_after_ms.has_value()) << c.what;
    if (c.retry_after_ms) {
      EXPECT_EQ(std::chrono::ceil<std::chrono::milliseconds>(*h.retry_after).count(), *c.retry_after_ms) << c.what;
    }
    EXPECT_EQ(h.malformed, c.malformed) << c.what;
  }
}

TEST(BatchQuotaHeaders, DurationAndDateEdges) {
  EXPECT_EQ(lbd::parse_go_duration("1s"), std::chrono::seconds(1));
  EXPECT_EQ(lbd::parse_go_duration("20ms"), std::chrono::milliseconds(20));
  EXPECT_EQ(lbd::parse_go_duration("1m30s"), std::chrono::seconds(90));
  EXPECT_EQ(lbd::parse_go_duration("15ns"), std::chrono::nanoseconds(15));
  for (const char* bad : {"", "s", "1", "-1s", "1.s", "1d", "1s2", "99999999999h", "nan", "1 s"}) {
    EXPECT_FALSE(lbd::parse_go_duration(bad).has_value()) << bad;
  }
  EXPECT_TRUE(lbd::parse_rfc3339("2024-02-29T23:59:60z").has_value()) << "leap day and leap second";
  for (const char* bad : {"2023-02-29T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T21:04:05",
                          "2026-11-29T21:04:05+0100", "2026-11-29T21:04:05Zjunk", "26-11-29T21:04:05Z"}) {
    EXPECT_FALSE(lbd::parse_rfc3339(bad).has_value()) << bad;
  }
  EXPECT_FALSE(lbd::parse_rfc3339("2263-01-01T00:00:00Z").has_value()) << "beyond what system_clock holds";
  const Headers far{{"anthropic-ratelimit-tokens-reset", "2199-01-01T00:00:00Z"},
                    {"retry-after", "Thu, 01 Jan 2099 00:00:00 GMT"}};
  EXPECT_EQ(parse(far).malformed, 2) << "resets decades away are garbage, not waits";
  EXPECT_EQ(lbd::parse_http_date("Sun, 29 Nov 2026 21:04:05 GMT"), table_now());
  EXPECT_FALSE(lbd::parse_http_date("Sunday, 29-Nov-26 21:04:05 GMT").has_value());
  EXPECT_FALSE(lbd::parse_http_date("Sun, 29 Foo 2026 21:04:05 GMT").has_value());
}

TEST(BatchQuotaHeaders, AnyRangeOfStringPairsIsAccepted) {
  static_assert(lb::HeaderRange<std::vector<std::pair<std::string, std::string>>>);
  static_assert(lb::HeaderRange<std::map<std::string, std::string>>);
  static_assert(lb::HeaderRange<std::multimap<std::string, std::string>>);
  static_assert(lb::HeaderRange<std::vector<std::pair<const char*, std::string_view>>>);
  static_assert(!lb::HeaderRange<std::vector<int>>);
  static_assert(!lb::HeaderRange<std::map<std::string, int>>);

  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "openai"}, clock);
  {
    lb::Permit p = state->acquire({});
    p.observe_headers(std::map<std::string, std::string>{{"x-ratelimit-limit-requests", "6000"}});
    p.observe_headers(std::multimap<std::string, std::string>{{"x-ratelimit-limit-tokens", "bad"}});
    p.observe_headers(std::vector<std::pair<const char*, const char*>>{{"x-ratelimit-limit-tokens", "90000"}});
    p.settle({});
  }
  const auto s = state->snapshot();
  EXPECT_DOUBLE_EQ(s.learned_rpm, 6000);
  EXPECT_DOUBLE_EQ(s.learned_tpm, 90000);
  EXPECT_EQ(s.malformed_headers, 1U);
}

// ---- admission, settling and cooldown ---------------------------------------------------------

TEST(BatchQuotaAdmission, NoPermitWithinRetryAfterOfARateLimitOnAnyThread) {
  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "openai", .max_in_flight = 8}, clock);
  lb::Permit p = state->acquire({.tokens = 700, .cost_usd = 0});
  ASSERT_TRUE(p);
  const lb::Failure f = p.rate_limited(2000ms);
  EXPECT_FALSE(p);
  EXPECT_EQ(f.reason, "rate_limited");
  EXPECT_EQ(f.retry, lb::Retry::yes);
  EXPECT_EQ(f.retry_after, 2000ms);

  Waiter other(state, {.tokens = 700}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  clock->advance(1999ms);
  ASSERT_TRUE(still_waiting(other)) << "a second worker waits out the shared cooldown";
  clock->advance(1ms);
  other.join();
  EXPECT_TRUE(other.granted());
  EXPECT_EQ(other.at(), 2000ms);
  EXPECT_EQ(state->snapshot().rate_limited_total, 1U);
}

TEST(BatchQuotaAdmission, CooldownDoublesFromOneSecondAndASuccessResetsIt) {
  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "q", .max_in_flight = 4}, clock);
  std::vector<long long> delays;
  for (int i = 0; i < 8; ++i) {
    lb::Permit p = state->acquire({});
    ASSERT_TRUE(p);
    const auto f = p.rate_limited();
    delays.push_back(f.retry_after.count());
    EXPECT_NEAR(state->snapshot().cooldown_seconds, static_cast<double>(f.retry_after.count()) / 1000.0, 1e-9);
    clock->advance(f.retry_after);
  }
  EXPECT_EQ(delays, (std::vector<long long>{1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000}));
  state->acquire({}).settle({});
  lb::Permit p = state->acquire({});
  EXPECT_EQ(p.rate_limited().retry_after, 1000ms);
}

TEST(BatchQuotaAdmission, RefusalsOfOneOverloadEscalateOnce) {
  auto clock = manual_clock();
  auto state = probed_state(lb::Quota{.name = "q"}, clock, 16);  // adaptive, starts at 8
  lb::Permit a = state->acquire({});
  lb::Permit b = state->acquire({});
  EXPECT_EQ(a.rate_limited().retry_after, 1000ms);
  EXPECT_EQ(b.rate_limited().retry_after, 1000ms) << "b was sent before the cooldown began";
  EXPECT_EQ(state->snapshot().in_flight_limit, 4) << "one decrease for one overload";
  EXPECT_EQ(state->snapshot().rate_limited_total, 2U);
  clock->advance(1s);
  lb::Permit c = state->acquire({});
  EXPECT_EQ(c.rate_limited().retry_after, 2000ms);
  EXPECT_EQ(state->snapshot().in_flight_limit, 2);
}

TEST(BatchQuotaAdmission, CooldownComesFromHeadersWhenNoDelayIsGiven) {
  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "openai", .requests_per_minute = 6000}, clock);
  lb::Permit p = state->acquire({});
  p.observe_headers(Headers{{"retry-after", "7"}});
  EXPECT_EQ(p.rate_limited().retry_after, 7000ms);
  clock->advance(7s);
  lb::Permit q = state->acquire({});
  q.observe_headers(Headers{{"x-ratelimit-remaining-requests", "0"}, {"x-ratelimit-reset-requests", "3s"}});
  EXPECT_EQ(q.rate_limited().retry_after, 3000ms) << "no limit header: hold until the whole reset";
}

TEST(BatchQuotaAdmission, RemainingNearZeroHoldsUntilTheProviderRefills) {
  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "openai"}, clock);
  {
    lb::Permit p = state->acquire({.tokens = 1000});
    // 600 a minute, none left, full in 60 s: one request is back after 100 ms.
    p.observe_headers(Headers{{"x-ratelimit-limit-requests", "600"},
                              {"x-ratelimit-remaining-requests", "0"},
                              {"x-ratelimit-reset-requests", "60s"},
                              {"x-ratelimit-remaining-tokens", "90000"},
                              {"x-ratelimit-reset-tokens", "1s"}});
    p.settle({.tokens = 900});
  }
  EXPECT_NEAR(state->snapshot().hold_seconds, 0.1, 1e-6);
  Waiter w(state, {}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  clock->advance(99ms);
  ASSERT_TRUE(still_waiting(w));
  clock->advance(1ms);
  w.join();
  EXPECT_EQ(w.at(), 100ms);
}

TEST(BatchQuotaAdmission, LearnedLimitsApplyOnlyWithoutConfiguredOnes) {
  auto clock = manual_clock();
  auto learned = make_state(lb::Quota{.name = "a"}, clock);
  auto configured = make_state(lb::Quota{.name = "b", .requests_per_minute = 6000}, clock);
  const Headers h{{"x-ratelimit-limit-requests", "120"}, {"x-ratelimit-remaining-requests", "100"},
                  {"x-ratelimit-reset-requests", "10s"}};
  for (const auto& s : {learned, configured}) {
    lb::Permit p = s->acquire({});
    p.observe_headers(h);
    p.settle({});
  }
  EXPECT_DOUBLE_EQ(learned->snapshot().learned_rpm, 120);
  EXPECT_DOUBLE_EQ(configured->snapshot().learned_rpm, 120) << "reported, not adopted";
  // 120 a minute with a 1 s burst: two at once, then one every 500 ms.
  learned->acquire({}).settle({});
  learned->acquire({}).settle({});
  Waiter w(learned, {}, clock);
  ASSERT_TRUE(eventually([&] { return learned->snapshot().waiting == 1; }));
  clock->advance(499ms);
  ASSERT_TRUE(still_waiting(w));
  clock->advance(1ms);
  w.join();
  EXPECT_TRUE(w.granted());
  for (int i = 0; i < 50; ++i) configured->acquire({}).settle({});  // 100 a second: not held back
  EXPECT_EQ(configured->snapshot().granted_total, 51U);
}

TEST(BatchQuotaAdmission, ALimitLearnedMidFlightStartsFromWhatTheProviderHasLeft) {
  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "q"}, clock);
  state->acquire({}).settle({});  // a provider that sent no headers at first
  // Three calls went out before any limit was known.
  lb::Permit first = state->acquire({});
  lb::Permit second = state->acquire({});
  lb::Permit third = state->acquire({});
  first.observe_headers(Headers{{"x-ratelimit-limit-requests", "60"}, {"x-ratelimit-remaining-requests", "1"},
                                {"x-ratelimit-reset-requests", "1s"}});
  first.settle({});
  second.settle({});
  third.settle({});
  // One request was left for the two calls still in flight: the bucket starts one in debt, so
  // the next permit waits 2 s at one a second instead of going out at once.
  Waiter w(state, {}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  clock->advance(1900ms);
  ASSERT_TRUE(still_waiting(w));
  clock->advance(100ms);
  w.join();
  EXPECT_TRUE(w.granted());
}

TEST(BatchQuotaAdmission, WithNothingConfiguredOneCallProbesTheProviderFirst) {
  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "q"}, clock);
  lb::Permit probe = state->acquire({});
  Waiter w(state, {}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  ASSERT_TRUE(still_waiting(w)) << "no second call before the first returns";
  probe.observe_headers(Headers{{"x-ratelimit-limit-requests", "600"}});
  w.join();
  EXPECT_TRUE(w.granted());
  auto configured = make_state(lb::Quota{.name = "c", .requests_per_minute = 6000}, clock);
  lb::Permit a = configured->acquire({});
  lb::Permit b = configured->acquire({});
  EXPECT_TRUE(b) << "configured limits need no probe";
}

TEST(BatchQuotaAdmission, TokensAreReservedAtTheEstimateAndReconciledOnSettle) {
  auto clock = manual_clock();
  // 600 tokens a minute: 10 a second, 10 saved up.
  auto state = make_state(lb::Quota{.name = "q", .tokens_per_minute = 600}, clock);
  lb::Permit a = state->acquire({.tokens = 4});
  lb::Permit b = state->acquire({.tokens = 4});
  Waiter w(state, {.tokens = 4}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  ASSERT_TRUE(still_waiting(w)) << "2 tokens left, 4 estimated";
  a.settle({.tokens = 1});  // 3 refunded: 5 left
  lb::Permit& third = w.join();
  EXPECT_TRUE(w.granted());
  EXPECT_EQ(w.at(), 0ms);
  b.settle({.tokens = 9});  // 5 more charged: 1 - 5 = -4 left
  EXPECT_DOUBLE_EQ(state->snapshot().tokens_last_minute, 14.0);
  third.settle({.tokens = 4});
  Waiter x(state, {.tokens = 4}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  clock->advance(799ms);
  ASSERT_TRUE(still_waiting(x));
  clock->advance(1ms);
  x.join();
  EXPECT_EQ(x.at(), 800ms);
}

TEST(BatchQuotaAdmission, FirstComeFirstServedSoLargeEstimatesAreNotStarved) {
  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "q", .tokens_per_minute = 600}, clock);
  state->acquire({.tokens = 10}).settle({.tokens = 10});
  Waiter big(state, {.tokens = 10}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  Waiter small(state, {.tokens = 1}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 2; }));
  clock->advance(500ms);
  ASSERT_TRUE(still_waiting(small)) << "5 tokens are there, but the larger request came first";
  clock->advance(500ms);
  big.join();
  EXPECT_EQ(big.at(), 1000ms);
  clock->advance(100ms);
  small.join();
  EXPECT_EQ(small.at(), 1100ms);
}

TEST(BatchQuotaAdmission, InFlightLimitAdaptsThroughSettleAndTimeouts) {
  auto clock = manual_clock();
  auto state = probed_state(lb::Quota{.name = "q"}, clock, 16);
  std::vector<lb::Permit> permits;
  for (int i = 0; i < 8; ++i) permits.push_back(state->acquire({}));
  EXPECT_EQ(state->snapshot().in_flight, 8);
  Waiter w(state, {}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  ASSERT_TRUE(still_waiting(w)) << "the ninth waits for a slot";
  permits.back().settle({});  // saturated success: 9
  w.join();
  EXPECT_EQ(state->snapshot().in_flight_limit, 9);
  EXPECT_EQ(state->snapshot().in_flight, 8);
  permits.pop_back();
  permits.back().settle({});  // 7 of 9 after this one: not saturated
  EXPECT_EQ(state->snapshot().in_flight_limit, 9);
  state->record_timeout();
  EXPECT_EQ(state->snapshot().in_flight_limit, 4);

  auto fixed = make_state(lb::Quota{.name = "f", .max_in_flight = 2}, clock, 16);
  lb::Permit a = fixed->acquire({});
  EXPECT_EQ(a.rate_limited().retry_after, 1000ms);
  fixed->record_timeout();
  EXPECT_EQ(fixed->snapshot().in_flight_limit, 2) << "a configured limit does not adapt";
}

TEST(BatchQuotaAdmission, StopWakesAWaiterWithAFalsyPermit) {
  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "q", .max_in_flight = 1}, clock);
  lb::Permit held = state->acquire({});
  Waiter w(state, {}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  w.stop();
  w.join();
  EXPECT_FALSE(w.granted());
  EXPECT_EQ(w.reason(), "stopping");
  EXPECT_EQ(state->snapshot().waiting, 0);
  std::stop_source stopped;
  stopped.request_stop();
  lb::Permit p = state->acquire({}, stopped.get_token());
  EXPECT_FALSE(p);
  EXPECT_EQ(p.failure().reason, "stopping");
  EXPECT_EQ(p.failure().retry, lb::Retry::yes);
}

TEST(BatchQuotaPermit, MoveOnlyAndSettledOnce) {
  static_assert(!std::is_copy_constructible_v<lb::Permit>);
  static_assert(std::is_nothrow_move_constructible_v<lb::Permit>);
  lb::Permit none;
  EXPECT_FALSE(none);
  EXPECT_EQ(none.failure().reason, "stopping");
  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "q", .budget_usd = 10}, clock);
  lb::Permit a = state->acquire({.tokens = 1, .cost_usd = 1});
  lb::Permit b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): a moved-from permit is falsy
  EXPECT_TRUE(b);
  b.settle({.cost_usd = 0.5});
  b.settle({.cost_usd = 3});
  EXPECT_EQ(b.rate_limited().reason, "rate_limited");
  lb::Permit c = state->acquire({.cost_usd = 2});
  c = state->acquire({.cost_usd = 1});  // the first is dropped: charged its estimate
  EXPECT_DOUBLE_EQ(state->snapshot().spent_usd, 2.5);
  EXPECT_EQ(state->snapshot().in_flight, 1);
}

TEST(BatchQuotaPermit, UsageTakesAProvidersIntegerTokenCountsInBraces) {
  struct Response {
    int total_tokens = 900;
    long prompt_tokens = 700;
    double cost_usd = 0.0005;
  } r;
  // Braces reject narrowing: these lines are what a user writes, and must compile as they stand.
  const lb::Usage estimate{.tokens = 700, .cost_usd = 0.0004};
  const lb::Usage from_int{.tokens = r.total_tokens, .cost_usd = r.cost_usd};
  const lb::Usage from_long{.tokens = r.prompt_tokens, .cost_usd = r.cost_usd};
  EXPECT_EQ(estimate.tokens + from_int.tokens + from_long.tokens, 2300);
  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "q"}, clock);
  lb::Permit p = state->acquire(estimate);
  p.settle(from_int);
  EXPECT_DOUBLE_EQ(state->snapshot().tokens_last_minute, 900.0);
  lb::Permit negative = state->acquire({.tokens = -5, .cost_usd = -1});
  EXPECT_EQ(negative.estimate().tokens, 0) << "nonsense estimates count as zero";
}

TEST(BatchQuotaAdmission, ManyThreadsOnTheRealClockKeepEveryInvariant) {
  // Real time and real contention: in-flight stays within its limit, nothing is lost or
  // double-counted, and every waiter is woken.
  auto state = std::make_shared<lbd::QuotaState>(lb::Quota{.name = "q", .max_in_flight = 3, .budget_usd = 1e9},
                                                 8, lb::system_clock());
  std::atomic<int> in_flight{0}, most{0};
  std::atomic<long long> charged_micro{0};
  std::vector<std::jthread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        lb::Permit p = state->acquire({.tokens = 10, .cost_usd = 0.000002});
        ASSERT_TRUE(p);
        const int now = ++in_flight;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        --in_flight;
        const int kind = (t + i) % 10;
        if (kind < 5) {
          p.settle({.tokens = 5, .cost_usd = 0.000001});
          charged_micro += 1;
        } else if (kind < 9) {
          charged_micro += 2;  // dropped: charged its estimate
        } else {
          (void)p.rate_limited(1ms);
        }
      }
    });
  }
  threads.clear();
  const auto s = state->snapshot();
  EXPECT_LE(most.load(), 3);
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_EQ(s.waiting, 0);
  EXPECT_EQ(s.granted_total, 2400U);
  EXPECT_EQ(s.reserved_usd, 0.0);
  EXPECT_NEAR(s.spent_usd, static_cast<double>(charged_micro.load()) * 1e-6, 1e-9);
}

// ---- budget -----------------------------------------------------------------------------------

TEST(BatchQuotaBudget, ReservesBeforeTheCallRefundsOnSettleChargesOnDrop) {
  auto clock = manual_clock();
  auto state = probed_state(lb::Quota{.name = "q", .budget_usd = 1.0}, clock);
  lb::Permit a = state->acquire({.cost_usd = 0.3});
  lb::Permit b = state->acquire({.cost_usd = 0.3});
  lb::Permit c = state->acquire({.cost_usd = 0.3});
  EXPECT_NEAR(state->snapshot().reserved_usd, 0.9, 1e-12);
  Waiter w(state, {.cost_usd = 0.3}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  ASSERT_TRUE(still_waiting(w)) << "0.9 reserved + 0.3 does not fit in 1.0";
  a.settle({.cost_usd = 0.1});  // 0.1 spent + 0.6 reserved + 0.3 fits
  w.join();
  EXPECT_TRUE(w.granted());
  EXPECT_NEAR(state->snapshot().spent_usd, 0.1, 1e-12);
  { lb::Permit dropped = std::move(b); }
  EXPECT_NEAR(state->snapshot().spent_usd, 0.4, 1e-12);
  (void)c.rate_limited();  // refused calls are not billed
  EXPECT_NEAR(state->snapshot().spent_usd, 0.4, 1e-12);
  EXPECT_NEAR(state->snapshot().reserved_usd, 0.3, 1e-12);
  EXPECT_FALSE(state->budget_exhausted());
}

TEST(BatchQuotaBudget, ConcurrentAcquiresNeverReserveBeyondTheBudget) {
  auto clock = manual_clock();
  auto state = probed_state(lb::Quota{.name = "q", .budget_usd = 1.0}, clock, 64);
  std::vector<std::unique_ptr<Waiter>> waiters;
  for (int i = 0; i < 12; ++i) waiters.push_back(std::make_unique<Waiter>(state, lb::Usage{.cost_usd = 0.3}, clock));
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 9; }));
  const auto s = state->snapshot();
  EXPECT_EQ(s.in_flight, 3);
  EXPECT_LE(s.reserved_usd, 1.0);
  for (auto& w : waiters) w->stop();
  int granted = 0;
  for (auto& w : waiters) {
    w->join();
    granted += w->granted() ? 1 : 0;
    if (!w->granted()) {
      EXPECT_EQ(w->reason(), "stopping");
    }
  }
  EXPECT_EQ(granted, 3);
}

TEST(BatchQuotaBudget, AnEstimateThatCanNeverFitStopsEveryPermit) {
  auto clock = manual_clock();
  auto state = probed_state(lb::Quota{.name = "q", .budget_usd = 1.0}, clock);
  lb::Permit a = state->acquire({.cost_usd = 0.5});
  lb::Permit b = state->acquire({.cost_usd = 0.4});
  Waiter w(state, {.cost_usd = 0.3}, clock);  // waits: it fits only if a and b cost less
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  a.settle({.cost_usd = 0.8});  // 0.8 spent: 0.3 can never fit
  w.join();
  EXPECT_FALSE(w.granted());
  EXPECT_EQ(w.reason(), "budget_exhausted");
  EXPECT_TRUE(state->budget_exhausted());
  lb::Permit tiny = state->acquire({.cost_usd = 0.01});
  EXPECT_FALSE(tiny) << "once the budget stopped the run, no new permit starts";
  EXPECT_EQ(tiny.failure().reason, "budget_exhausted");
  EXPECT_EQ(tiny.failure().retry, lb::Retry::yes);
  b.settle({.cost_usd = 0.4});
  const auto s = state->snapshot();
  EXPECT_NEAR(s.spent_usd, 1.2, 1e-12) << "overspend is the in-flight underestimates";
  EXPECT_TRUE(s.budget_exhausted);

  auto resumed = make_state(lb::Quota{.name = "q", .budget_usd = 2.0}, clock);
  resumed->add_prior_usage({.tokens = 100, .cost_usd = 1.2});
  EXPECT_TRUE(resumed->acquire({.cost_usd = 0.8}));
  EXPECT_FALSE(resumed->acquire({.cost_usd = 0.1})) << "the earlier run's spend counts";
}

// Work sent away (a provider's batch) holds its estimate in the budget until it is charged.
TEST(BatchQuotaBudget, HoldsForWorkSentAwayCountUntilReleasedAndRowsAreChargedWithoutAPermit) {
  auto clock = manual_clock();
  auto state = probed_state(lb::Quota{.name = "q", .budget_usd = 1.0}, clock);
  EXPECT_EQ(state->reserve_budget(1.5, false), lbd::Reservation::never) << "more than the whole budget";
  EXPECT_EQ(state->reserve_budget(0.6, false), lbd::Reservation::granted);
  EXPECT_EQ(state->reserve_budget(0.6, false), lbd::Reservation::later) << "0.6 held + 0.6 > 1.0";
  EXPECT_NEAR(state->snapshot().reserved_usd, 0.6, 1e-12);
  Waiter w(state, {.cost_usd = 0.5}, clock);
  ASSERT_TRUE(eventually([&] { return state->snapshot().waiting == 1; }));
  ASSERT_TRUE(still_waiting(w)) << "a permit sees the hold as spent";
  // The rows come back: each is charged what it used, then its hold goes.
  EXPECT_NEAR(state->charge({.tokens = 50, .cost_usd = 0.2}).cost_usd, 0.2, 1e-12);
  ASSERT_TRUE(still_waiting(w)) << "0.2 spent + 0.6 held + 0.5 > 1.0";
  state->release_budget(0.6);
  w.join();
  EXPECT_TRUE(w.granted()) << "0.2 spent + 0.5 fits once the hold is gone";
  const auto s = state->snapshot();
  EXPECT_NEAR(s.spent_usd, 0.2, 1e-12);
  EXPECT_NEAR(s.reserved_usd, 0.5, 1e-12);
  EXPECT_EQ(s.tokens_total, 50);
  EXPECT_EQ(state->reserve_budget(0.9, true), lbd::Reservation::granted) << "forced: at the provider already";
  EXPECT_EQ(state->reserve_budget(0.9, false), lbd::Reservation::never) << "0.2 spent + 0.9 > 1.0";
  EXPECT_FALSE(state->budget_exhausted()) << "a refused hold alone stops nothing";
  state->exhaust_budget();
  EXPECT_EQ(state->acquire({.cost_usd = 0.01}).failure().reason, "budget_exhausted");
  EXPECT_NEAR(state->charge({.cost_usd = 0.3}).cost_usd, 0.3, 1e-12) << "what was spent is counted, budget or not";
  EXPECT_NEAR(state->snapshot().spent_usd, 0.5, 1e-12);
}

TEST(BatchQuotaBudget, WithoutABudgetNothingIsHeld) {
  auto clock = manual_clock();
  auto state = probed_state(lb::Quota{.name = "q"}, clock);
  EXPECT_EQ(state->reserve_budget(1e9, false), lbd::Reservation::granted);
  EXPECT_EQ(state->snapshot().reserved_usd, 0.0);
}

TEST(BatchQuotaSnapshot, JsonHasEveryFigure) {
  auto clock = manual_clock();
  auto state = make_state(lb::Quota{.name = "openai", .requests_per_minute = 500, .budget_usd = 5}, clock);
  lb::Permit p = state->acquire({.tokens = 700, .cost_usd = 0.0004});
  nlohmann::json j = nlohmann::json::object();
  j["openai"] = state->snapshot();
  const auto& q = j.at("openai");
  EXPECT_EQ(q.at("configured").at("requests_per_minute"), 500.0);
  EXPECT_TRUE(q.at("configured").at("tokens_per_minute").is_null());
  EXPECT_EQ(q.at("configured").at("max_in_flight"), "auto");
  EXPECT_TRUE(q.at("learned").at("requests_per_minute").is_null());
  EXPECT_EQ(q.at("requests_last_minute"), 1.0);
  EXPECT_EQ(q.at("tokens_last_minute"), 700.0);
  EXPECT_EQ(q.at("in_flight"), 1);
  EXPECT_EQ(q.at("in_flight_limit"), 8);
  EXPECT_EQ(q.at("budget_usd"), 5.0);
  EXPECT_EQ(q.at("reserved_usd"), 0.0004);
  EXPECT_TRUE(q.at("cooldown_until").is_null());
  (void)p.rate_limited(1500ms);
  nlohmann::json later;
  later = state->snapshot();
  const double wall_now = std::chrono::duration<double>(clock->system_now().time_since_epoch()).count();
  EXPECT_NEAR(later.at("cooldown_until").get<double>(), wall_now + 1.5, 1e-3);
  EXPECT_DOUBLE_EQ(later.at("cooldown_seconds").get<double>(), 1.5);
  for (const char* key : {"cooldown_seconds", "hold_seconds", "rate_limited_total", "waiting", "spent_usd",
                          "budget_exhausted", "malformed_headers", "granted_total"}) {
    EXPECT_TRUE(q.contains(key)) << key;
  }
}

// ---- registry: environment and shards ---------------------------------------------------------

TEST(BatchQuotaRegistry, EnvironmentOverridesTheCode) {
  EXPECT_EQ(lbd::quota_env_name("openai"), "LEADSCOUT_QUOTA_OPENAI");
  EXPECT_EQ(lbd::quota_env_name("open-ai.eu2"), "LEADSCOUT_QUOTA_OPEN_AI_EU2");
  const leadscout::test::ScopedEnv env("LEADSCOUT_QUOTA_OPEN_AI_EU2",
                                       " rpm=100, tpm=5000.5,in_flight=auto,budget_usd=2.5,burst_seconds=2 ");
  const leadscout::test::ScopedEnv other("LEADSCOUT_QUOTA_ANTHROPIC", "in_flight=12");
  lbd::QuotaRegistry r({lb::Quota{.name = "open-ai.eu2", .requests_per_minute = 500, .max_in_flight = 4},
                        lb::Quota{.name = "anthropic", .tokens_per_minute = 80000}},
                       64, 1, manual_clock());
  const lb::Quota& q = r.find("open-ai.eu2")->quota();
  EXPECT_DOUBLE_EQ(q.requests_per_minute, 100);
  EXPECT_DOUBLE_EQ(q.tokens_per_minute, 5000.5);
  EXPECT_EQ(q.max_in_flight, 0);
  EXPECT_DOUBLE_EQ(q.budget_usd, 2.5);
  EXPECT_DOUBLE_EQ(q.burst_seconds, 2);
  const lb::Quota& a = r.find("anthropic")->quota();
  EXPECT_EQ(a.max_in_flight, 12);
  EXPECT_DOUBLE_EQ(a.tokens_per_minute, 80000) << "what the variable does not name stays";
  EXPECT_EQ(r.reports().size(), 2U);
  EXPECT_TRUE(r.acquire("anthropic", {}));
}

TEST(BatchQuotaRegistry, BadOverridesNameTheVariableAndThePart) {
  const std::vector<std::pair<const char*, const char*>> bad = {
      {"rpm=abc", "rpm=abc"},           {"tpm=-1", "tpm=-1"},
      {"in_flight=2.5", "in_flight=2.5"}, {"burst_seconds=0", "burst_seconds=0"},
      {"colour=red", "colour=red"},     {"rpm=1,budget_usd", "budget_usd"},
      {"rpm=inf", "rpm=inf"},           {"budget_usd=5$", "budget_usd=5$"}};
  for (const auto& [text, part] : bad) {
    try {
      (void)lbd::apply_quota_override(lb::Quota{.name = "openai"}, text, "LEADSCOUT_QUOTA_OPENAI");
      ADD_FAILURE() << text << " was accepted";
    } catch (const lb::Error& e) {
      EXPECT_NE(std::string(e.what()).find("LEADSCOUT_QUOTA_OPENAI"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  }
  const leadscout::test::ScopedEnv env("LEADSCOUT_QUOTA_OPENAI", "rpm=fast");
  EXPECT_THROW(lbd::QuotaRegistry({lb::Quota{.name = "openai"}}, 8, 1, manual_clock()), lb::Error);
}

TEST(BatchQuotaRegistry, BadQuotasUnknownAndDuplicateNamesAreErrors) {
  auto clock = manual_clock();
  EXPECT_THROW(lbd::QuotaRegistry({lb::Quota{.name = ""}}, 8, 1, clock), lb::Error);
  EXPECT_THROW(lbd::QuotaRegistry({lb::Quota{.name = "a", .requests_per_minute = -1}}, 8, 1, clock), lb::Error);
  EXPECT_THROW(lbd::QuotaRegistry({lb::Quota{.name = "a", .burst_seconds = 0}}, 8, 1, clock), lb::Error);
  EXPECT_THROW(lbd::QuotaRegistry({lb::Quota{.name = "a", .max_in_flight = -2}}, 8, 1, clock), lb::Error);
  EXPECT_THROW(lbd::QuotaRegistry({lb::Quota{.name = "open-ai"}, lb::Quota{.name = "OPEN_AI"}}, 8, 1, clock),
               lb::Error);
  lbd::QuotaRegistry r({lb::Quota{.name = "openai"}}, 8, 1, clock);
  try {
    (void)r.find("anthropic");
    ADD_FAILURE() << "an unknown quota was found";
  } catch (const lb::Error& e) {
    EXPECT_NE(std::string(e.what()).find("anthropic"), std::string::npos) << e.what();
  }
}

TEST(BatchQuotaRegistry, EachShardTakesItsShareOfRatesAndBudget) {
  const leadscout::test::ScopedEnv env("LEADSCOUT_QUOTA_OPENAI", "budget_usd=8");
  lbd::QuotaRegistry r({lb::Quota{.name = "openai", .requests_per_minute = 500, .tokens_per_minute = 200000,
                                  .max_in_flight = 6, .budget_usd = 5}},
                       64, 4, manual_clock());
  const lb::Quota& q = r.find("openai")->quota();
  EXPECT_DOUBLE_EQ(q.requests_per_minute, 125);
  EXPECT_DOUBLE_EQ(q.tokens_per_minute, 50000);
  EXPECT_DOUBLE_EQ(q.budget_usd, 2) << "the variable's budget is the whole operation's too";
  EXPECT_EQ(q.max_in_flight, 6) << "in-flight calls are per process";
  EXPECT_DOUBLE_EQ(lbd::shard_share(lb::Quota{.name = "q", .requests_per_minute = 9}, 1).requests_per_minute, 9);
}

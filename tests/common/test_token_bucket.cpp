// The token bucket's arithmetic, on an injected time line.
#include <gtest/gtest.h>

#include <chrono>

#include "token_bucket.hpp"

namespace lc = leadscout::common;
using namespace std::chrono_literals;

namespace {
const lc::TokenBucket::time_point t0 = lc::TokenBucket::time_point{} + 1h;
}

TEST(CommonTokenBucket, StartsFullAndRefillsContinuously) {
  lc::TokenBucket b({10, 60}, 10, t0);  // 10 a minute
  EXPECT_TRUE(b.available(10, t0));
  b.take(10, t0);
  EXPECT_FALSE(b.available(1, t0));
  EXPECT_DOUBLE_EQ(b.level(t0 + 30s), 5.0);
  EXPECT_DOUBLE_EQ(b.level(t0 + 1h), 10.0) << "never beyond the capacity";
  EXPECT_DOUBLE_EQ(b.level(t0 - 1s), 0.0) << "time before the last update adds nothing";
}

TEST(CommonTokenBucket, WaitsAreExactForWholeRates) {
  lc::TokenBucket b({10, 60}, 10, t0);
  b.take(10, t0);
  EXPECT_EQ(b.seconds_until(3, t0), 18.0) << "3 of 10 a minute: 18 s, not a hair more";
  EXPECT_EQ(b.ready_at(3, t0), t0 + 18s);
  EXPECT_EQ(b.ready_at(25, t0), t0 + 60s) << "an oversized amount waits for a full bucket";
  EXPECT_EQ(b.seconds_to_refill(1), 6.0);
}

TEST(CommonTokenBucket, DebtRefundAndLevel) {
  lc::TokenBucket b({1, 1}, 4, t0);
  b.take(10, t0);
  EXPECT_DOUBLE_EQ(b.level(t0), -6.0);
  EXPECT_EQ(b.ready_at(1, t0), t0 + 7s);
  b.give_back(100, t0);
  EXPECT_DOUBLE_EQ(b.level(t0), 4.0) << "a refund never exceeds the capacity";
  b.set_level(-1, t0);
  EXPECT_DOUBLE_EQ(b.level(t0 + 2s), 1.0);
}

TEST(CommonTokenBucket, SlackCountsANearlyFullAmount) {
  lc::TokenBucket strict({1, 1}, 1, t0);
  strict.set_level(1 - 1e-7, t0);
  EXPECT_FALSE(strict.available(1, t0));
  lc::TokenBucket lenient({1, 1}, 1, t0, 1e-6);
  lenient.set_level(1 - 1e-7, t0);
  EXPECT_TRUE(lenient.available(1, t0));
}

TEST(CommonTokenBucket, UnlimitedAndRateChanges) {
  lc::TokenBucket b({0, 1}, 0, t0);
  EXPECT_TRUE(b.unlimited());
  EXPECT_TRUE(b.available(1e12, t0));
  EXPECT_EQ(b.ready_at(1e12, t0), t0);
  b.set_rate({2, 1}, 2, t0);  // from unlimited: starts full, like a new bucket
  EXPECT_DOUBLE_EQ(b.level(t0), 2.0);
  b.set_rate({100, 1}, 100, t0 + 1s);
  EXPECT_DOUBLE_EQ(b.level(t0 + 1s), 2.0) << "a higher rate does not invent saved units";
  b.set_rate({1, 1}, 1, t0 + 1s);
  EXPECT_DOUBLE_EQ(b.level(t0 + 1s), 1.0) << "kept within the new capacity";
}

// Learned limits against strict providers: the simulated provider of bench_quota enforces its
// per-minute rates over a window of N seconds while its headers report the minute bucket, as
// OpenAI's do. 64 workers with a quota that has no configured limits keep near its ceiling with
// few 429s, for N = 1 (a second's share at a time) and N = 60 (a whole minute at once). Time is
// simulated: a minute of calls takes well under a second.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

#include <leadscout/batch/quota.hpp>

#include "quota/quota_state.hpp"
#include "sim_clock.hpp"
#include "sim_provider.hpp"

namespace lb = leadscout::batch;
namespace lbd = leadscout::batch::detail;
namespace bq = bench_quota;
using leadscout::test::batch::SimClock;
using namespace std::chrono_literals;

namespace {

// A call's completion is at most this long: its estimate is the prompt plus this, as clients
// count max_tokens.
constexpr int max_completion = 100;

struct StrictRun {
  bq::ProviderTotals provider;
  double ceiling = 0;       ///< calls a second the provider allows at the served calls' mean size
  double steady_rate = 0;   ///< calls a second served after the provider's warm-up
  double refused_share = 0; ///< of the calls sent
  double learned_rpm = 0;
  double learned_tpm = 0;
};

/// A call of 30..70 prompt and 10..90 completion tokens (100 on average), fixed by `n`.
bq::CallTokens call_tokens(std::uint64_t n) {
  const std::uint64_t h = bq::mix(n);
  return {.prompt = 30 + static_cast<int>(h % 41), .completion = 10 + static_cast<int>((h >> 20) % 81)};
}

/// One worker: calls as a batch callback makes them (permit, call, headers, then settle or
/// rate_limited) until `end`; an item refused with a 429 would be retried later by the engine,
/// so the worker moves on to the next one.
void work(lbd::QuotaState& quota, bq::SimProvider& provider, SimClock& clock, std::atomic<std::uint64_t>& next,
          lb::Clock::time_point end, const std::stop_token& stop, std::atomic<int>& done) {
  while (!stop.stop_requested() && clock.now() < end) {
    const bq::CallTokens tokens = call_tokens(next.fetch_add(1));
    lb::Permit permit = quota.acquire({.tokens = tokens.prompt + max_completion}, stop);
    if (!permit || clock.now() >= end) break;  // a permit granted too late is released unused
    const bq::Response r = provider.call(tokens);
    permit.observe_headers(r.headers);
    if (r.status == 429) {
      (void)permit.rate_limited(r.retry_after);
      continue;
    }
    permit.settle({.tokens = r.total_tokens});
  }
  clock.leave();
  ++done;
}

/// `workers` threads against a provider whose buckets hold `window_seconds` of 1,200 requests and
/// 60,000 tokens a minute (tokens bind: 10 calls a second), for `length` of simulated time.
StrictRun run_strict(double window_seconds, int workers, std::chrono::seconds length) {
  auto clock = std::make_shared<SimClock>(workers);
  bq::ProviderConfig config;
  config.requests_per_minute = 1200;
  config.tokens_per_minute = 60000;
  config.window_seconds = window_seconds;
  bq::SimProvider provider(config, clock);
  auto quota = std::make_shared<lbd::QuotaState>(lb::Quota{.name = "llm"}, workers, clock);
  std::atomic<std::uint64_t> next{0};
  std::atomic<int> done{0};
  const auto end = clock->now() + length;
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < workers; ++i) {
      threads.emplace_back([&](std::stop_token stop) { work(*quota, provider, *clock, next, end, stop, done); });
    }
    // Every thread waiting with no deadline would be a bug of the quota: stop them rather than hang.
    const auto give_up = std::chrono::steady_clock::now() + 60s;
    while (done.load() < workers && !clock->stuck() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(1ms);
    }
    if (done.load() < workers) {
      ADD_FAILURE() << "the workers did not finish; simulated time stood at " << clock->elapsed().count() << " ns";
      for (auto& t : threads) t.request_stop();
    }
  }
  clock->stop();
  StrictRun run;
  run.provider = provider.totals();
  const double mean_tokens = static_cast<double>(run.provider.tokens) / static_cast<double>(run.provider.served);
  run.ceiling = std::min(config.requests_per_minute, config.tokens_per_minute / mean_tokens) / 60.0;
  const double warmup = std::chrono::duration<double>(config.warmup).count();
  const double steady_seconds = std::chrono::duration<double>(length).count() - warmup;
  run.steady_rate = static_cast<double>(run.provider.steady_served) / steady_seconds;
  run.refused_share = static_cast<double>(run.provider.refused) /
                      static_cast<double>(run.provider.served + run.provider.refused);
  const lb::QuotaReport report = quota->snapshot();
  run.learned_rpm = report.learned_rpm;
  run.learned_tpm = report.learned_tpm;
  return run;
}

void expect_near_the_ceiling(const StrictRun& run) {
  std::printf("steady %.2f calls/s of a %.2f ceiling (%.1f %%), %llu of %llu calls answered 429 (%.2f %%)\n",
              run.steady_rate, run.ceiling, 100 * run.steady_rate / run.ceiling,
              static_cast<unsigned long long>(run.provider.refused),
              static_cast<unsigned long long>(run.provider.served + run.provider.refused), 100 * run.refused_share);
  EXPECT_EQ(run.learned_rpm, 1200) << "learned from the headers' minute";
  EXPECT_EQ(run.learned_tpm, 60000);
  EXPECT_GE(run.steady_rate, 0.90 * run.ceiling)
      << run.steady_rate << " calls/s served against a ceiling of " << run.ceiling;
  EXPECT_LE(run.steady_rate, 1.02 * run.ceiling) << "the provider let more through than its rate";
  EXPECT_LE(run.refused_share, 0.01) << run.provider.refused << " of " << run.provider.served + run.provider.refused
                                     << " calls answered 429";
}

}  // namespace

TEST(BatchQuotaStrictProvider, OneSecondWindowLearnedLimitsReachTheCeilingWithFew429s) {
  const StrictRun run = run_strict(1.0, 64, 20s);
  expect_near_the_ceiling(run);
}

TEST(BatchQuotaStrictProvider, MinuteWindowLearnedLimitsReachTheCeilingWithFew429s) {
  const StrictRun run = run_strict(60.0, 64, 20s);
  expect_near_the_ceiling(run);
}

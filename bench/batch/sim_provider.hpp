// An in-process LLM provider for the quota benchmark and tests: it enforces requests and tokens
// per minute with its own continuously refilling buckets, answers a refused call with 429 and
// OpenAI's rate-limit headers, and sums what it served and billed. Time comes from a batch Clock:
// the real one in the benchmark, a simulated one in tests.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <leadscout/batch/clock.hpp>

namespace bench_quota {

using Headers = std::vector<std::pair<std::string, std::string>>;
using SteadyClock = std::chrono::steady_clock;

/// The provider's limits, latency and price.
struct ProviderConfig {
  double requests_per_minute = 1200;
  double tokens_per_minute = 60000;
  /// Seconds of each rate the enforcing buckets hold: a provider that enforces a per-minute
  /// limit in short slices ("60,000 a minute may be enforced as 1,000 a second"). The headers
  /// report a bucket of a whole minute that takes the same amounts, as OpenAI's do.
  double window_seconds = 1.0;
  std::chrono::milliseconds latency_min{50};  ///< a served call takes uniformly min..max
  std::chrono::milliseconds latency_max{150};
  std::chrono::milliseconds refusal_latency{20};  ///< a 429 comes back this fast (±50 %)
  double usd_per_1k_tokens = 0.002;
  /// Calls this long after the start also count as steady state: the buckets start full, and
  /// their first second's burst lifts a short run's average above the rate.
  std::chrono::milliseconds warmup{2000};
};

/// One call's tokens, fixed by the item before it is sent.
struct CallTokens {
  int prompt = 0;
  int completion = 0;
  [[nodiscard]] int total() const noexcept { return prompt + completion; }
};

/// What a call got back.
struct Response {
  int status = 200;  ///< 200 or 429
  Headers headers;   ///< x-ratelimit-*, and retry-after / retry-after-ms on a 429
  std::int64_t total_tokens = 0;  ///< 200: tokens billed
  double cost_usd = 0;            ///< 200: what the call cost
  std::chrono::milliseconds retry_after{0};  ///< 429: when the call would have been admitted
};

/// The provider's own account of a run.
struct ProviderTotals {
  std::uint64_t served = 0;   ///< calls answered 200
  std::uint64_t refused = 0;  ///< calls answered 429
  std::int64_t tokens = 0;    ///< tokens of the served calls
  double billed_usd = 0;      ///< their cost
  std::uint64_t steady_served = 0;   ///< served after the warm-up
  std::uint64_t steady_refused = 0;  ///< refused after the warm-up
};

/// A request or token bucket: `per_minute` units refilled continuously, `capacity` saved up.
class Bucket {
 public:
  Bucket(double per_minute, double window_seconds, SteadyClock::time_point now) noexcept;
  /// Seconds until `amount` is available (0 when it is now); refills first.
  [[nodiscard]] double wait_for(double amount, SteadyClock::time_point now) noexcept;
  void take(double amount) noexcept { level_ -= amount; }
  /// OpenAI's view: whole units remaining, and the time until the bucket is full.
  [[nodiscard]] std::int64_t remaining() const noexcept;
  [[nodiscard]] double seconds_to_full() const noexcept;
  [[nodiscard]] double per_minute() const noexcept { return rate_ * 60.0; }

 private:
  double rate_;  ///< per second
  double capacity_;
  double level_;
  SteadyClock::time_point last_;
};

/// Thread-safe. Calls block their thread for the latency, on the clock.
class SimProvider {
 public:
  explicit SimProvider(ProviderConfig config,
                       std::shared_ptr<leadscout::batch::Clock> clock = leadscout::batch::system_clock());
  /// Admits or refuses the call at once, then waits the latency and answers.
  [[nodiscard]] Response call(const CallTokens& tokens);
  [[nodiscard]] ProviderTotals totals() const;
  [[nodiscard]] const ProviderConfig& config() const noexcept { return config_; }
  [[nodiscard]] double cost_of(std::int64_t tokens) const noexcept {
    return static_cast<double>(tokens) * config_.usd_per_1k_tokens / 1000.0;
  }

 private:
  [[nodiscard]] SteadyClock::duration draw_latency(bool served);
  /// Admits or refuses the call and fills in its status, figures and headers.
  void admit(const CallTokens& tokens, Response& r);
  /// Waits `d` on the clock.
  void wait(SteadyClock::duration d);

  const ProviderConfig config_;
  const std::shared_ptr<leadscout::batch::Clock> clock_;
  const SteadyClock::time_point steady_from_;
  mutable std::mutex mu_;
  Bucket requests_;  ///< enforced: window_seconds of the rate
  Bucket tokens_;
  Bucket reported_requests_;  ///< in the headers: a minute of the rate
  Bucket reported_tokens_;
  std::mutex sleep_mu_;  ///< the latency's wait (a clock waits on a mutex and a condition)
  std::condition_variable sleep_cv_;
  ProviderTotals totals_;
  std::atomic<std::uint64_t> draws_{0};
};

/// A Go-style duration as OpenAI writes it: "20ms", "1.5s", "6m0s".
[[nodiscard]] std::string go_duration(double seconds);

/// A well-mixed 64-bit hash (splitmix64): deterministic tokens and latencies.
[[nodiscard]] std::uint64_t mix(std::uint64_t x) noexcept;

}  // namespace bench_quota

// The provider stub without HTTP: one request in, one reply out, answered by the demo's
// simulated LLM and limited per API key.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "batch_store.hpp"
#include "protocol.hpp"
#include "rate_limiter.hpp"
#include "responses.hpp"
#include "simulated_llm.hpp"
#include "stats.hpp"

namespace leadscout::llm_stub {

class OpenAiBatches;
class AnthropicBatches;

/// The stub's behaviour (its command line but the port).
struct StubOptions {
  std::uint64_t seed = 42;
  std::chrono::milliseconds latency_mean{0};  ///< answers take mean·(1 ± 0.5), errors a quarter of that
  double failure_rate = 0.0;                  ///< share of calls answered with a 500 or 503, never a 429
  double hang_rate = 0.0;                     ///< share of calls never answered (until stop())
  Limits limits;                              ///< per API key
  std::string reject_key;                     ///< answered with 401 when not empty
  /// A request without a key gets a 401, as from a provider; off for the demo's in-process
  /// provider, which its own process calls without one (all such calls share one limit).
  bool require_key = true;
  BatchOptions batches;  ///< the batch APIs' timing, expiry and limits
  WallClock wall_clock;  ///< the batches' clock; empty: system_clock::now
};

/// One request to an API endpoint.
struct Incoming {
  Api api = Api::openai;
  std::string_view x_api_key;      ///< the header's value, empty if absent
  std::string_view authorization;  ///< the header's value, empty if absent
  std::string_view body;
  std::stop_token stop;  ///< an in-process caller's cancellation: ends the wait like stop()
};

/// Answers chat requests. Thread-safe; handle() blocks for the planned latency.
class StubService {
 public:
  /// `clock` drives the rate limiter (steady_clock::now by default).
  explicit StubService(StubOptions options, RateLimiter::Clock clock = {});
  ~StubService();
  StubService(const StubService&) = delete;
  StubService& operator=(const StubService&) = delete;

  /// Authenticates, parses, rate-limits and answers one request. Answers and errors wait their
  /// planned latency; a hang waits until stop() or `in.stop`. Calls after stop() return at once.
  [[nodiscard]] Reply handle(const Incoming& in);

  /// Wakes every waiting handle(), which then returns a 503 (its client may still read it).
  void stop();

  /// GET /stats.
  [[nodiscard]] std::string stats_json() const { return stats_.to_json(); }

  /// A 401 for a request of `api` without an accepted key, as handle() sends it; nullopt if the
  /// key is accepted.
  [[nodiscard]] std::optional<Reply> authenticate(Api api, std::string_view x_api_key, std::string_view authorization);

  /// A batch row's request body answered as handle() answers it, without latency or rate limit;
  /// a planned hang fails like an error.
  [[nodiscard]] RowResult answer_row(Api api, std::string_view body);

  /// The batch endpoints of each API.
  [[nodiscard]] OpenAiBatches& openai_batches() noexcept { return *openai_batches_; }
  [[nodiscard]] AnthropicBatches& anthropic_batches() noexcept { return *anthropic_batches_; }

  /// The simulated model behind `api`: openai_provider() for Chat Completions,
  /// anthropic_provider() for Messages.
  [[nodiscard]] const demo::SimulatedLlm& model(Api api) const noexcept;

 private:
  Headers reply_headers(Api api, const Snapshot& snapshot) const;
  Reply error_reply(Api api, int status, std::string_view message, const Snapshot& snapshot) const;
  Reply rate_limited_reply(Api api, const StubRequest& request, const Decision& decision) const;
  Reply call_model(Api api, const std::string& key, const StubRequest& request, std::stop_token stop);
  Reply answer_reply(Api api, const StubRequest& request, const demo::CallPlan& plan, const Snapshot& snapshot);
  std::string answer_body(Api api, const StubRequest& request, const demo::CallPlan& plan);
  /// Waits `d`, or until stop() when `d` is negative; false if stop() or `stop` came first.
  bool wait(std::chrono::milliseconds d, std::stop_token stop);

  StubOptions options_;
  demo::SimulatedLlm openai_;
  demo::SimulatedLlm anthropic_;
  RateLimiter limiter_;
  Stats stats_;
  std::atomic<std::uint64_t> serial_{0};                 ///< completions, for their ids
  mutable std::atomic<std::uint64_t> requests_seen_{0};  ///< replies, for their request ids
  std::unique_ptr<OpenAiBatches> openai_batches_;
  std::unique_ptr<AnthropicBatches> anthropic_batches_;
  std::mutex stop_mutex_;
  std::condition_variable_any stop_cv_;
  bool stopped_ = false;
};

}  // namespace leadscout::llm_stub

// A simulated LLM classification API: no network, deterministic for a seed, with latency,
// failures, hangs, token counts and cost like the real thing.
#pragma once

#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>

namespace demo {

/// A provider's name, model and price per 1,000 tokens.
struct Provider {
  std::string name;   ///< "openai"
  std::string model;  ///< "gpt-4o-mini"
  double usd_per_1k_prompt_tokens = 0.0;
  double usd_per_1k_completion_tokens = 0.0;
};

/// The simulated providers, in fallback order: openai (gpt-4o-mini), then anthropic (claude-3-haiku).
[[nodiscard]] Provider openai_provider();
[[nodiscard]] Provider anthropic_provider();

/// Behaviour of the simulation; the same settings and name give the same answers.
struct LlmSettings {
  std::chrono::milliseconds latency_mean{1800};
  double latency_spread = 0.5;  ///< latency is uniform in mean·(1 ± spread)
  double failure_rate = 0.05;   ///< share of calls answering with an HTTP error
  double hang_rate = 0.01;      ///< share of calls never answering (until their stop token)
  std::uint64_t seed = 42;
};

/// What a call will do, decided before it runs. A pure function of (settings, provider, name, attempt).
struct CallPlan {
  enum class Kind { ok, error, hang };
  Kind kind = Kind::ok;
  std::chrono::milliseconds latency{0};  ///< time to the answer or the error
  std::string label;                     ///< ok: the origin it answers
  double confidence = 0.0;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  double cost_usd = 0.0;  ///< ok: what the call costs; errors and hangs cost nothing
  std::string error;      ///< error: "HTTP 503 service unavailable", ...
};

/// What a call did.
struct CallResult {
  enum class Outcome { ok, error, cancelled };
  Outcome outcome = Outcome::ok;
  CallPlan plan;
  double latency_ms = 0.0;  ///< measured
};

/// "ok", "error", "cancelled".
[[nodiscard]] std::string_view to_string(CallResult::Outcome outcome) noexcept;

/// One provider's simulated endpoint. Thread-safe (const).
class SimulatedLlm {
 public:
  SimulatedLlm(Provider provider, LlmSettings settings);

  [[nodiscard]] const Provider& provider() const noexcept { return provider_; }
  [[nodiscard]] const LlmSettings& settings() const noexcept { return settings_; }

  /// The plan of the call for `name` on attempt `attempt` (1-based), without waiting.
  [[nodiscard]] CallPlan plan(std::string_view name, int attempt) const;

  /// Runs the call: waits the planned latency (a hang waits until `stop` is requested) and
  /// returns early with Outcome::cancelled as soon as `stop` is requested.
  [[nodiscard]] CallResult call(std::string_view name, int attempt, std::stop_token stop) const;

 private:
  Provider provider_;
  LlmSettings settings_;
};

}  // namespace demo

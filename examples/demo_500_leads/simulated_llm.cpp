// The simulated LLM.
#include "simulated_llm.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "name_data.hpp"
#include "random.hpp"

namespace demo {

Provider openai_provider() { return {"openai", "gpt-4o-mini", 0.00015, 0.0006}; }
Provider anthropic_provider() { return {"anthropic", "claude-3-haiku", 0.00025, 0.00125}; }

std::string_view to_string(CallResult::Outcome outcome) noexcept {
  switch (outcome) {
    case CallResult::Outcome::ok: return "ok";
    case CallResult::Outcome::error: return "error";
    case CallResult::Outcome::cancelled: return "cancelled";
  }
  return "unknown";
}

namespace {

std::vector<std::string> upper_words(std::string_view name) {
  std::vector<std::string> words;
  std::string w;
  for (const char c : name) {
    if (c == ' ' || c == '\t' || c == '-') {
      if (!w.empty()) words.push_back(std::move(w));
      w.clear();
    } else {
      w += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  if (!w.empty()) words.push_back(std::move(w));
  return words;
}

/// The origin the "model" answers: the last word it knows, or a plausible guess.
std::string answer_label(std::string_view name, Rng& rng) {
  const auto words = upper_words(name);
  for (auto it = words.rbegin(); it != words.rend(); ++it) {
    if (const auto origin = pool_origin(*it)) return std::string(*origin);
  }
  double u = rng.uniform();
  for (const NamePool& pool : name_pools()) {
    if (u < pool.weight) return std::string(pool.origin);
    u -= pool.weight;
  }
  return std::string(kAfrican);
}

}  // namespace

SimulatedLlm::SimulatedLlm(Provider provider, LlmSettings settings)
    : provider_(std::move(provider)), settings_(settings) {}

CallPlan SimulatedLlm::plan(std::string_view name, int attempt) const {
  Rng rng(mix64(settings_.seed ^ mix64(hash_text(provider_.name) ^ mix64(hash_text(name) + static_cast<std::uint64_t>(attempt)))));
  CallPlan p;
  const double spread = std::clamp(settings_.latency_spread, 0.0, 1.0);
  const double factor = 1.0 + spread * (2.0 * rng.uniform() - 1.0);
  p.latency = std::chrono::milliseconds(
      static_cast<std::int64_t>(std::llround(static_cast<double>(settings_.latency_mean.count()) * factor)));
  const double u = rng.uniform();
  if (u < settings_.hang_rate) {
    p.kind = CallPlan::Kind::hang;
    return p;
  }
  if (u < settings_.hang_rate + settings_.failure_rate) {
    static constexpr std::string_view errors[] = {"HTTP 503 service unavailable", "HTTP 429 rate limited",
                                                  "HTTP 500 internal server error"};
    p.kind = CallPlan::Kind::error;
    p.error = std::string(errors[rng.below(std::size(errors))]);
    p.latency /= 4;  // errors come back faster than answers
    return p;
  }
  p.kind = CallPlan::Kind::ok;
  p.label = answer_label(name, rng);
  p.confidence = std::round((0.70 + 0.28 * rng.uniform()) * 100.0) / 100.0;
  p.prompt_tokens = 110 + static_cast<int>(name.size()) / 3 + static_cast<int>(rng.below(20));
  p.completion_tokens = 18 + static_cast<int>(rng.below(25));
  p.cost_usd = (p.prompt_tokens * provider_.usd_per_1k_prompt_tokens +
                p.completion_tokens * provider_.usd_per_1k_completion_tokens) /
               1000.0;
  return p;
}

CallResult SimulatedLlm::call(std::string_view name, int attempt, std::stop_token stop) const {
  CallResult r;
  r.plan = plan(name, attempt);
  const auto start = std::chrono::steady_clock::now();
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  if (r.plan.kind == CallPlan::Kind::hang) {
    cv.wait(lock, stop, [] { return false; });  // returns only once stop is requested
  } else {
    cv.wait_for(lock, stop, r.plan.latency, [] { return false; });
  }
  r.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (stop.stop_requested()) {
    r.outcome = CallResult::Outcome::cancelled;
  } else {
    r.outcome = r.plan.kind == CallPlan::Kind::ok ? CallResult::Outcome::ok : CallResult::Outcome::error;
  }
  return r;
}

}  // namespace demo

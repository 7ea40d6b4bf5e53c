// The simulated LLM: deterministic plans, the configured rates, and stop tokens.
#include <gtest/gtest.h>

#include <chrono>
#include <stop_token>
#include <thread>

#include "leads.hpp"
#include "simulated_llm.hpp"

namespace {

using namespace std::chrono_literals;

demo::LlmSettings settings(std::uint64_t seed, double failure = 0.05, double hang = 0.01) {
  demo::LlmSettings s;
  s.latency_mean = 1800ms;
  s.failure_rate = failure;
  s.hang_rate = hang;
  s.seed = seed;
  return s;
}

TEST(DemoSimulatedLlm, PlansAreDeterministicForASeed) {
  const demo::SimulatedLlm a(demo::openai_provider(), settings(1));
  const demo::SimulatedLlm b(demo::openai_provider(), settings(1));
  const demo::SimulatedLlm other_seed(demo::openai_provider(), settings(2));
  const demo::SimulatedLlm other_provider(demo::anthropic_provider(), settings(1));
  int seed_differs = 0;
  int provider_differs = 0;
  for (const auto& lead : demo::generate_leads(100, 3)) {
    const auto p = a.plan(lead.name, 1);
    const auto q = b.plan(lead.name, 1);
    EXPECT_EQ(p.kind, q.kind);
    EXPECT_EQ(p.latency, q.latency);
    EXPECT_EQ(p.label, q.label);
    EXPECT_EQ(p.confidence, q.confidence);
    EXPECT_EQ(p.prompt_tokens, q.prompt_tokens);
    EXPECT_EQ(p.cost_usd, q.cost_usd);
    seed_differs += other_seed.plan(lead.name, 1).latency != p.latency;
    provider_differs += other_provider.plan(lead.name, 1).latency != p.latency;
  }
  EXPECT_GT(seed_differs, 50);
  EXPECT_GT(provider_differs, 50);
}

TEST(DemoSimulatedLlm, LatencySpreadRatesTokensAndCost) {
  const demo::SimulatedLlm llm(demo::anthropic_provider(), settings(9, 0.10, 0.05));
  int errors = 0;
  int hangs = 0;
  double latency_sum = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const auto p = llm.plan("NAME " + std::to_string(i), 1);
    if (p.kind == demo::CallPlan::Kind::error) {
      ++errors;
      EXPECT_FALSE(p.error.empty());
      EXPECT_EQ(p.cost_usd, 0.0);
      continue;
    }
    if (p.kind == demo::CallPlan::Kind::hang) {
      ++hangs;
      continue;
    }
    EXPECT_GE(p.latency, 900ms);
    EXPECT_LE(p.latency, 2700ms);
    latency_sum += static_cast<double>(p.latency.count());
    EXPECT_GT(p.prompt_tokens, 100);
    EXPECT_GT(p.completion_tokens, 10);
    EXPECT_NEAR(p.cost_usd, (p.prompt_tokens * 0.00025 + p.completion_tokens * 0.00125) / 1000.0, 1e-12);
    EXPECT_GE(p.confidence, 0.7);
    EXPECT_LE(p.confidence, 0.98);
  }
  EXPECT_NEAR(errors / double(n), 0.10, 0.02);
  EXPECT_NEAR(hangs / double(n), 0.05, 0.015);
  EXPECT_NEAR(latency_sum / (n - errors - hangs), 1800.0, 40.0);
}

TEST(DemoSimulatedLlm, AnswersTheOriginItKnows) {
  const demo::SimulatedLlm llm(demo::openai_provider(), settings(1, 0.0, 0.0));
  EXPECT_EQ(llm.plan("DIEMBY LUBAMBO", 1).label, "african");
  EXPECT_EQ(llm.plan("MARIETJIE VAN DER MERWE", 1).label, "afrikaans");
  EXPECT_EQ(llm.plan("KAVITHA MOODLEY", 1).label, "indian");
}

TEST(DemoSimulatedLlm, AttemptsDiffer) {
  const demo::SimulatedLlm llm(demo::openai_provider(), settings(1, 0.5, 0.0));
  int differs = 0;
  for (int i = 0; i < 50; ++i) {
    const std::string name = "N" + std::to_string(i);
    differs += llm.plan(name, 1).kind != llm.plan(name, 2).kind;
  }
  EXPECT_GT(differs, 5) << "a retry must be able to succeed where the first attempt failed";
}

TEST(DemoSimulatedLlm, CallWaitsTheLatencyAndReportsTheOutcome) {
  demo::LlmSettings s = settings(1, 0.0, 0.0);
  s.latency_mean = 20ms;
  s.latency_spread = 0.0;
  const demo::SimulatedLlm llm(demo::openai_provider(), s);
  const auto r = llm.call("SIPHO DLAMINI", 1, std::stop_token());
  EXPECT_EQ(r.outcome, demo::CallResult::Outcome::ok);
  EXPECT_GE(r.latency_ms, 19.0);
  EXPECT_EQ(r.plan.label, "african");
}

TEST(DemoSimulatedLlm, HangEndsWhenStopIsRequested) {
  const demo::SimulatedLlm llm(demo::openai_provider(), settings(1, 0.0, 1.0));
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(30ms);
    stop.request_stop();
  });
  const auto r = llm.call("HANGS", 1, stop.get_token());
  EXPECT_EQ(r.plan.kind, demo::CallPlan::Kind::hang);
  EXPECT_EQ(r.outcome, demo::CallResult::Outcome::cancelled);
  EXPECT_GE(r.latency_ms, 25.0);
}

TEST(DemoSimulatedLlm, AStopEndsANormalCallEarly) {
  demo::LlmSettings s = settings(1, 0.0, 0.0);
  s.latency_mean = std::chrono::milliseconds(60'000);
  const demo::SimulatedLlm llm(demo::openai_provider(), s);
  std::stop_source stop;
  stop.request_stop();
  const auto r = llm.call("SLOW", 1, stop.get_token());
  EXPECT_EQ(r.outcome, demo::CallResult::Outcome::cancelled);
  EXPECT_LT(r.latency_ms, 1000.0);
}

}  // namespace

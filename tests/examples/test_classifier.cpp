// The classification chain on fixed names, with its debug and api log lines.
#include <gtest/gtest.h>

#include <chrono>

#include "classifier.hpp"
#include "leadscout/log.hpp"
#include "utils.hpp"

namespace {

namespace ll = leadscout::log;
using namespace std::chrono_literals;

/// Logging into a temporary tree, synchronously, so files can be read right after.
class DemoClassifier : public ::testing::Test {
 protected:
  void SetUp() override {
    ll::Config cfg;
    cfg.dir = dir_.path();
    cfg.async = false;
    cfg.console = ll::ConsoleMode::off;
    ll::init(cfg);
  }
  void TearDown() override { ll::shutdown(); }

  /// The lines of a dated log file whose name starts with `prefix` ("debug/classification").
  std::string log_text(const std::string& prefix) {
    ll::flush();
    std::string text;
    const auto folder = (dir_ / prefix).parent_path();
    const auto stem = std::filesystem::path(prefix).filename().string();
    for (const auto& e : std::filesystem::directory_iterator(folder)) {
      if (e.path().filename().string().rfind(stem, 0) == 0) text += leadscout::test::read_file(e.path());
    }
    return text;
  }

  demo::ClassifyOutcome classify(const demo::Classifier& c, std::string_view name, int attempt = 1) {
    return c.classify(name, attempt, std::stop_token(), ll::get("classification"), ll::get("api"));
  }

  static demo::LlmSettings fast(double failure = 0.0) {
    demo::LlmSettings s;
    s.latency_mean = 1ms;
    s.failure_rate = failure;
    s.hang_rate = 0.0;
    s.seed = 42;
    return s;
  }

  leadscout::test::TempDir dir_;
};

TEST_F(DemoClassifier, RuleLookupWinsFirst) {
  const demo::SimulatedLlm openai(demo::openai_provider(), fast());
  const demo::Classifier c({&openai});
  const auto out = classify(c, "Sipho Dlamini");
  ASSERT_TRUE(out.result);
  EXPECT_EQ(out.result->method, "rule");
  EXPECT_EQ(out.result->label, "african");
  EXPECT_EQ(out.result->confidence, 0.95);  // every part known and agreeing
  EXPECT_EQ(out.result->provider, "");
  EXPECT_EQ(out.llm_calls, 0);
  const std::string log = log_text("debug/classification");
  EXPECT_NE(log.find(R"("event":"Rule classification attempt")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("event":"Rule matched")"), std::string::npos);
  EXPECT_NE(log.find(R"("matched_part":"DLAMINI")"), std::string::npos);
  EXPECT_EQ(log.find("Phonetic match attempt"), std::string::npos);
}

TEST_F(DemoClassifier, SurnameDecidesWhenPartsDisagree) {
  const demo::Classifier c({});
  const auto out = classify(c, "JOHN NAIDOO");
  ASSERT_TRUE(out.result);
  EXPECT_EQ(out.result->label, "indian");
  EXPECT_EQ(out.result->confidence, 0.7);
}

TEST_F(DemoClassifier, PhoneticMatchCatchesSpellingVariants) {
  const demo::Classifier c({});
  const auto out = classify(c, "MOLEFFE TRANSPORT CC");
  ASSERT_TRUE(out.result);
  EXPECT_EQ(out.result->method, "phonetic");
  EXPECT_EQ(out.result->label, "african");
  EXPECT_EQ(out.result->confidence, 0.85);  // Soundex and Metaphone agree
  const std::string log = log_text("debug/classification");
  EXPECT_NE(log.find(R"("event":"Rule failed")"), std::string::npos);
  EXPECT_NE(log.find(R"("reason":"no_individual_parts_classified")"), std::string::npos);
  EXPECT_NE(log.find(R"("algorithms":["soundex","metaphone"])"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("matched_part":"MOLEFE")"), std::string::npos);
}

TEST_F(DemoClassifier, LlmFallbackForUnknownNames) {
  const demo::SimulatedLlm openai(demo::openai_provider(), fast());
  const demo::SimulatedLlm anthropic(demo::anthropic_provider(), fast());
  const demo::Classifier c({&openai, &anthropic});
  const auto out = classify(c, "DIEMBY LUBAMBO");
  ASSERT_TRUE(out.result);
  EXPECT_EQ(out.result->method, "llm");
  EXPECT_EQ(out.result->provider, "openai");
  EXPECT_EQ(out.result->label, "african");
  EXPECT_EQ(out.llm_calls, 1);
  EXPECT_GT(out.llm_tokens, 100);
  EXPECT_GT(out.llm_cost_usd, 0.0);
  const std::string log = log_text("debug/classification");
  EXPECT_NE(log.find(R"("event":"Phonetic failed")"), std::string::npos);
  EXPECT_NE(log.find(R"("reason":"no_matches_found")"), std::string::npos);
  EXPECT_NE(log.find(R"("event":"LLM fallback triggered")"), std::string::npos);
  EXPECT_NE(log.find(R"("event":"LLM response")"), std::string::npos);
  const std::string api = log_text("debug/api-calls");
  for (const char* key : {R"("provider":"openai")", R"("model":"gpt-4o-mini")", R"("tokens":)", R"("cost_usd":)",
                          R"("latency_ms":)", R"("outcome":"ok")"}) {
    EXPECT_NE(api.find(key), std::string::npos) << key << " in " << api;
  }
}

TEST_F(DemoClassifier, FallsBackToAnthropicWhenOpenaiFails) {
  demo::LlmSettings broken = fast(1.0);
  const demo::SimulatedLlm openai(demo::openai_provider(), broken);
  const demo::SimulatedLlm anthropic(demo::anthropic_provider(), fast());
  const demo::Classifier c({&openai, &anthropic});
  const auto out = classify(c, "DIEMBY LUBAMBO");
  ASSERT_TRUE(out.result);
  EXPECT_EQ(out.result->provider, "anthropic");
  EXPECT_EQ(out.llm_calls, 2);
  const std::string api = log_text("debug/api-calls");
  EXPECT_NE(api.find(R"("level":"warning")"), std::string::npos);
  EXPECT_NE(api.find(R"("outcome":"error")"), std::string::npos);
  EXPECT_NE(api.find(R"("provider":"anthropic")"), std::string::npos);
}

TEST_F(DemoClassifier, FailsWhenEveryProviderFails) {
  const demo::SimulatedLlm openai(demo::openai_provider(), fast(1.0));
  const demo::SimulatedLlm anthropic(demo::anthropic_provider(), fast(1.0));
  const demo::Classifier c({&openai, &anthropic});
  const auto out = classify(c, "DIEMBY LUBAMBO");
  EXPECT_FALSE(out.result);
  EXPECT_EQ(out.failure, "llm_unavailable");
  EXPECT_EQ(out.llm_calls, 2);
}

TEST_F(DemoClassifier, ACancelledCallStopsTheChain) {
  demo::LlmSettings hangs = fast();
  hangs.hang_rate = 1.0;
  const demo::SimulatedLlm openai(demo::openai_provider(), hangs);
  const demo::SimulatedLlm anthropic(demo::anthropic_provider(), fast());
  const demo::Classifier c({&openai, &anthropic});
  std::stop_source stop;
  stop.request_stop();
  const auto out = c.classify("DIEMBY LUBAMBO", 1, stop.get_token(), ll::get("classification"), ll::get("api"));
  EXPECT_FALSE(out.result);
  EXPECT_EQ(out.failure, "cancelled");
  EXPECT_EQ(out.llm_calls, 1);
}

TEST(DemoNameParts, CompanyWordsAreDropped) {
  EXPECT_EQ(demo::Classifier::name_parts("Motale & Nkosi Logistics (Pty) Ltd"),
            (std::vector<std::string>{"MOTALE", "NKOSI"}));
  EXPECT_EQ(demo::Classifier::name_parts("  VAN DER MERWE-BOTHA "),
            (std::vector<std::string>{"VAN", "DER", "MERWE", "BOTHA"}));
  EXPECT_TRUE(demo::Classifier::name_parts("TRANSPORT CC").empty());
}

TEST(DemoClassificationJson, RoundTrips) {
  const demo::Classification c{"SIPHO DLAMINI", "african", 0.95, "rule", ""};
  const demo::Classification back = nlohmann::json(c).get<demo::Classification>();
  EXPECT_EQ(back.name, c.name);
  EXPECT_EQ(back.label, c.label);
  EXPECT_EQ(back.confidence, c.confidence);
  EXPECT_EQ(back.method, c.method);
  EXPECT_EQ(back.provider, c.provider);
}

}  // namespace

// The local classification steps on fixed names, with their debug log lines.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>

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

  std::optional<demo::Classification> classify(const demo::Classifier& c, std::string_view name) {
    return c.classify(name, ll::get("classification"));
  }

  leadscout::test::TempDir dir_;
};

TEST_F(DemoClassifier, RuleLookupWinsFirst) {
  const demo::Classifier c;
  const auto out = classify(c, "Sipho Dlamini");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->method, "rule");
  EXPECT_EQ(out->label, "african");
  EXPECT_EQ(out->confidence, 0.95);  // every part known and agreeing
  EXPECT_EQ(out->provider, "");
  const std::string log = log_text("debug/classification");
  EXPECT_NE(log.find(R"("event":"Rule classification attempt")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("event":"Rule matched")"), std::string::npos);
  EXPECT_NE(log.find(R"("matched_part":"DLAMINI")"), std::string::npos);
  EXPECT_EQ(log.find("Phonetic match attempt"), std::string::npos);
}

TEST_F(DemoClassifier, SurnameDecidesWhenPartsDisagree) {
  const demo::Classifier c;
  const auto out = classify(c, "JOHN NAIDOO");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->label, "indian");
  EXPECT_EQ(out->confidence, 0.7);
}

TEST_F(DemoClassifier, PhoneticMatchCatchesSpellingVariants) {
  const demo::Classifier c;
  const auto out = classify(c, "MOLEFFE TRANSPORT CC");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->method, "phonetic");
  EXPECT_EQ(out->label, "african");
  EXPECT_EQ(out->confidence, 0.85);  // Soundex and Metaphone agree
  const std::string log = log_text("debug/classification");
  EXPECT_NE(log.find(R"("event":"Rule failed")"), std::string::npos);
  EXPECT_NE(log.find(R"("reason":"no_individual_parts_classified")"), std::string::npos);
  EXPECT_NE(log.find(R"("algorithms":["soundex","metaphone"])"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("matched_part":"MOLEFE")"), std::string::npos);
}

TEST_F(DemoClassifier, UnknownNamesAreLeftToTheLlm) {
  const demo::Classifier c;
  EXPECT_FALSE(classify(c, "DIEMBY LUBAMBO"));
  const std::string log = log_text("debug/classification");
  EXPECT_NE(log.find(R"("event":"Phonetic failed")"), std::string::npos);
  EXPECT_NE(log.find(R"("reason":"no_matches_found")"), std::string::npos);
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

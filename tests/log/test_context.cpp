// Context fields: scopes that end in any order, and a context carried to another thread.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <thread>

#include "log_test_utils.hpp"

namespace ll = leadscout::log;
namespace lt = leadscout::test;

namespace {

class LogContext : public ::testing::Test {
 protected:
  void SetUp() override { ll::init(lt::test_config(dir_)); }
  void TearDown() override { ll::shutdown(); }
  std::vector<nlohmann::json> lines() {
    ll::flush();
    return lt::read_dated(dir_, "debug", "classification");
  }
  lt::TempDir dir_;
  ll::Logger log_ = ll::get("classification");
};

TEST_F(LogContext, ScopesEndingOutOfOrderRemoveOnlyTheirOwnFields) {
  auto outer = std::make_unique<ll::ScopedContext>(ll::Fields{{"run", "r1"}, {"shared", "outer"}});
  std::optional<ll::ScopedContext> middle;
  middle.emplace(ll::Fields{{"item", 7}, {"shared", "middle"}});
  ll::ScopedContext inner{{{"attempt", 2}}};
  log_.info("All three");
  outer.reset();  // the outermost ends first
  log_.info("Without outer");
  middle.reset();
  log_.info("Inner only");
  {
    ll::ScopedContext later{{{"later", true}}};
    log_.info("Inner and later");
  }
  const auto all = lines();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0]["run"], "r1");
  EXPECT_EQ(all[0]["item"], 7);
  EXPECT_EQ(all[0]["attempt"], 2);
  EXPECT_EQ(all[0]["shared"], "middle") << "the inner scope's key wins";
  EXPECT_FALSE(all[1].contains("run"));
  EXPECT_EQ(all[1]["shared"], "middle");
  EXPECT_EQ(all[1]["attempt"], 2);
  EXPECT_FALSE(all[2].contains("item"));
  EXPECT_FALSE(all[2].contains("shared"));
  EXPECT_EQ(all[2]["attempt"], 2);
  EXPECT_EQ(all[3]["later"], true);
  EXPECT_EQ(all[3]["attempt"], 2);
}

TEST_F(LogContext, CapturedContextCarriesToAnotherThread) {
  ll::Context captured;
  EXPECT_TRUE(captured.empty());
  {
    ll::ScopedContext run{{{"run_id", "r42"}}};
    ll::ScopedContext op{{{"operation", "demo"}}};
    captured = ll::Context::capture();
  }
  EXPECT_FALSE(captured.empty());
  EXPECT_TRUE(ll::Context::capture().empty()) << "the scopes ended";
  std::thread([&] {
    log_.info("Before");
    {
      ll::ScopedContext scope(captured);
      ll::ScopedContext own{{{"worker", 1}}};
      log_.info("Worker");
    }
    log_.info("After");
  }).join();
  log_.info("Caller");
  const auto all = lines();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_FALSE(all[0].contains("run_id"));
  EXPECT_EQ(all[1]["run_id"], "r42");
  EXPECT_EQ(all[1]["operation"], "demo");
  EXPECT_EQ(all[1]["worker"], 1);
  EXPECT_FALSE(all[2].contains("run_id"));
  EXPECT_FALSE(all[3].contains("run_id"));
}

TEST_F(LogContext, ACaptureIsASnapshot) {
  ll::ScopedContext run{{{"run_id", "r1"}}};
  const ll::Context captured = ll::Context::capture();
  ll::ScopedContext later{{{"later", 1}}};
  std::thread([&] {
    ll::ScopedContext scope(captured);
    log_.info("Worker");
  }).join();
  const auto all = lines();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["run_id"], "r1");
  EXPECT_FALSE(all[0].contains("later"));
}

}  // namespace

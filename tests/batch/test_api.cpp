// The documented batch API, compiled exactly as written.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <string>
#include <type_traits>
#include <vector>

#include "batch_test_utils.hpp"

// --- verbatim from the issue ----------------------------------------------------------------
#include <leadscout/batch.hpp>

namespace lt = leadscout::test;
namespace lb = leadscout::batch;
struct Lead { std::string id; std::string name; };
struct Classification { std::string label; double confidence; };
// to_json / from_json for Classification (nlohmann ADL) so results can be checkpointed
// ---------------------------------------------------------------------------------------------
void to_json(nlohmann::json& j, const Classification& c) { j = {{"label", c.label}, {"confidence", c.confidence}}; }
void from_json(const nlohmann::json& j, Classification& c) {
  j.at("label").get_to(c.label);
  j.at("confidence").get_to(c.confidence);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-variable"
int issue_example(const std::vector<Lead>& leads) {
// --- verbatim from the issue ----------------------------------------------------------------
lb::Options opt;
opt.operation = "logistics_demo";      // names the files below
opt.concurrency = 16;
opt.item_timeout = std::chrono::seconds(30);
opt.deadline = std::chrono::hours(2);   // zero = none
opt.retry.max_attempts = 3;             // exponential backoff with full jitter
opt.retry.initial_backoff = std::chrono::milliseconds(500);
opt.retry.max_backoff = std::chrono::seconds(30);
opt.rate_limit_per_second = 10.0;       // item starts per second; 0 = unlimited
lb::BackgroundProcessor<Lead, Classification> proc(opt);
lb::Summary summary = proc.run(leads, [](const Lead& lead, lb::Context& ctx)
        -> lb::Outcome<Classification> {
    // ctx.stop_token(), ctx.deadline(), ctx.attempt(), ctx.log() (bound with item_id),
    // ctx.metric("african_businesses", 1), ctx.set_current("MOKGADI MOTALE")
    if (/* transient API error */ false) return lb::Failure{"rate_limited", lb::Retry::yes};
    return Classification{"african", 0.85};
});
if (summary.status == lb::Status::completed) { /* … */ }   // also interrupted, deadline_exceeded, failed
for (const auto& [id, result] : summary.results) { /* every ok item, resumed ones included */ }
std::cout << summary.succeeded << " ok, " << summary.failed << " failed\n";
return lb::exit_code(summary);   // 0 completed, 5 items failed, 130 SIGINT, 143 SIGTERM, 3 deadline, 1 failed
// ---------------------------------------------------------------------------------------------
}
#pragma GCC diagnostic pop

TEST(BatchApi, IssueExampleCompilesAndRuns) {
  lt::batch::TempDir dir;
  lt::batch::ScopedEnv env("LEADSCOUT_LOG_DIR", dir.path().c_str());
  const std::vector<Lead> leads{{"l1", "MOKGADI MOTALE"}, {"l2", "DIEMBY LUBAMBO"}, {"l3", "A B"}};
  EXPECT_EQ(issue_example(leads), 0);
  // progress_dir defaults to <LEADSCOUT_LOG_DIR>/progress.
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "progress" / "logistics_demo.json"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "progress" / "logistics_demo.checkpoint.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "progress" / "logistics_demo.prom"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "progress" / "batch-status.json"));
  // A second run resumes: every result is there, nothing runs again.
  EXPECT_EQ(issue_example(leads), 0);
  const auto counts = lt::batch::ok_counts(dir.path() / "progress" / "logistics_demo.checkpoint.jsonl");
  ASSERT_EQ(counts.size(), 3U);
  for (const auto& [id, n] : counts) EXPECT_EQ(n, 1) << id;
}

TEST(BatchApi, SummaryDeducesItsResultTypeAndCarriesResumedResults) {
  lt::batch::TempDir dir;
  auto opt = lt::batch::test_options(dir.path());
  lb::BackgroundProcessor<Lead, Classification> proc(opt);
  const std::vector<Lead> leads{{"a", "x"}, {"b", "y"}};
  lb::Summary first = proc.run(leads, [](const Lead& lead, lb::Context&) -> lb::Outcome<Classification> {
    return Classification{lead.name, 0.5};
  });
  static_assert(std::is_same_v<decltype(first), lb::Summary<Classification>>);
  lb::Summary second = proc.run(leads, [](const Lead&, lb::Context&) -> lb::Outcome<Classification> {
    return lb::Failure{"must not run", lb::Retry::no};
  });
  EXPECT_EQ(second.status, lb::Status::completed);
  EXPECT_EQ(second.skipped_resumed, 2U);
  ASSERT_EQ(second.results.size(), 2U);
  EXPECT_EQ(second.results[0].first, "a");
  EXPECT_EQ(second.results[0].second.label, "x");
  EXPECT_EQ(second.results[1].second.label, "y");
}

TEST(BatchApi, ExitCodes) {
  lb::RunStats s;
  s.status = lb::Status::completed;
  EXPECT_EQ(lb::exit_code(s), 0);
  s.status = lb::Status::interrupted;
  s.signal = SIGINT;
  EXPECT_EQ(lb::exit_code(s), 130);
  s.signal = SIGTERM;
  EXPECT_EQ(lb::exit_code(s), 143);
  s.status = lb::Status::deadline_exceeded;
  EXPECT_EQ(lb::exit_code(s), 3);
  s.status = lb::Status::failed;
  EXPECT_EQ(lb::exit_code(s), 1);
}

TEST(BatchApi, ExitCodeOfACompletedRunWithFailedItemsIs5) {
  lb::RunStats s;
  s.status = lb::Status::completed;
  s.succeeded = 10;
  EXPECT_EQ(lb::exit_code(s), 0) << "every item ok";
  s.failed = 1;
  EXPECT_EQ(lb::exit_code(s), 5);
  s.failed = 10;
  s.succeeded = 0;
  EXPECT_EQ(lb::exit_code(s), 5);
  // Failed items change only a completed run's code.
  s.status = lb::Status::interrupted;
  s.signal = SIGINT;
  EXPECT_EQ(lb::exit_code(s), 130);
  s.signal = SIGTERM;
  EXPECT_EQ(lb::exit_code(s), 143);
  s.status = lb::Status::deadline_exceeded;
  EXPECT_EQ(lb::exit_code(s), 3);
  s.status = lb::Status::budget_exhausted;
  EXPECT_EQ(lb::exit_code(s), 4);
  s.status = lb::Status::failed;
  EXPECT_EQ(lb::exit_code(s), 1);
  s.status = lb::Status::running;
  EXPECT_EQ(lb::exit_code(s), 1);
}

TEST(BatchApi, IdFunctionAndIntegerIds) {
  lt::batch::TempDir dir;
  struct Numbered {
    int id;
  };
  auto opt = lt::batch::test_options(dir.path());
  lb::BackgroundProcessor<Numbered, int> numbered(opt);
  const std::vector<Numbered> n{{1}, {2}};
  auto s1 = numbered.run(n, [](const Numbered& x, lb::Context&) -> lb::Outcome<int> { return x.id * 10; });
  ASSERT_EQ(s1.results.size(), 2U);
  EXPECT_EQ(s1.results[1].first, "2");
  EXPECT_EQ(s1.results[1].second, 20);

  struct Named {
    std::string email;
  };
  opt.operation = "named";
  opt.id = lb::id_function<Named>([](const Named& x) { return x.email; });
  lb::BackgroundProcessor<Named, int> named(opt);
  const std::vector<Named> m{{"a@x"}, {"b@x"}};
  auto s2 = named.run(m, [](const Named&, lb::Context&) -> lb::Outcome<int> { return 1; });
  ASSERT_EQ(s2.results.size(), 2U);
  EXPECT_EQ(s2.results[0].first, "a@x");
  EXPECT_THROW((lb::BackgroundProcessor<Numbered, int>(opt)), lb::Error);
}

TEST(BatchApi, EverySetupFailureOfRunIsALeadscoutError) {
  static_assert(std::is_base_of_v<leadscout::Error, lb::Error>);
  static_assert(std::is_same_v<lb::Error, leadscout::Error>, "one error type; the old name still compiles");
  lt::batch::TempDir dir;
  struct Numbered {
    int id;
  };
  const std::vector<Numbered> items{{1}, {2}};
  // Runs a processor with `opt` and returns the message of the leadscout::Error it throws.
  auto setup_error = [&](const lb::Options& opt, const std::vector<Numbered>& input) -> std::string {
    try {
      lb::BackgroundProcessor<Numbered, int> proc(opt);
      (void)proc.run(input, [](const Numbered& x, lb::Context&) -> lb::Outcome<int> { return x.id; });
    } catch (const leadscout::Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "run() did not throw a leadscout::Error";
    return {};
  };

  {
    lt::batch::ScopedEnv shard("LEADSCOUT_SHARD", "5/2");
    EXPECT_NE(setup_error(lt::batch::test_options(dir.path()), items).find("LEADSCOUT_SHARD"), std::string::npos);
  }
  auto opt = lt::batch::test_options(dir.path());
  opt.concurrency = 0;
  EXPECT_NE(setup_error(opt, items).find("concurrency"), std::string::npos);
  opt = lt::batch::test_options(dir.path());
  EXPECT_NE(setup_error(opt, {{1}, {1}}).find("duplicate item id"), std::string::npos);
  std::ofstream(dir.path() / "a-file") << "x";
  opt.progress_dir = dir.path() / "a-file" / "progress";
  EXPECT_NE(setup_error(opt, items).find("a-file"), std::string::npos);
}

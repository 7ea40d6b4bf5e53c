// llm::run in batch mode against the real leadscout-llm-stub (a child process on loopback), for
// both batch APIs: every item answered once, the labels of an online run of the same items, at
// half its spend; demo_500_leads --llm-batch SIGKILLed at random moments and resumed; and the
// batches of a running demo in its progress file, in leadscout-status's terms and on the
// dashboard in headless Chromium.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "chromium.hpp"
#include "demo_test_utils.hpp"
#include "leadscout/batch/progress.hpp"
#include "leadscout/monitor.hpp"
#include "llm/llm_test_utils.hpp"
#include "running_stub.hpp"

namespace {

namespace lb = leadscout::batch;
namespace llm = leadscout::llm;
using leadscout::test::RunningStub;
using leadscout::test::TempDir;
using leadscout::test::batch::Item;
using leadscout::test::batch::make_items;
using leadscout::test::batch::ok_counts;
using leadscout::test::batch::test_options;
using leadscout::test::llm::kLabelSchema;
using leadscout::test::llm::Label;

/// The stub answers only requests that carry a key.
constexpr const char* kKeyVariable = "LEADSCOUT_BATCH_STUB_TEST_KEY";

llm::Pipeline<Item, Label> label_pipeline() {
  return {.request = [](const Item& item) {
            return llm::Request{.system = "You classify the origin of names. Answer JSON.",
                                .user = "Classify this lead.\nName: " + item.id,
                                .schema = kLabelSchema,
                                .max_tokens = 64};
          },
          .result = [](const Item&, const llm::Reply& reply) -> lb::Outcome<Label> {
            return Label{reply.json().at("label").get<std::string>(), reply.json().at("confidence").get<double>()};
          }};
}

llm::Client client_of(const std::string& url, llm::Api api) {
  ::setenv(kKeyVariable, "sk-test-batch-stub", 1);
  const std::string model = api == llm::Api::openai ? "gpt-4o-mini" : "claude-3-5-haiku-latest";
  return llm::Client({.endpoints = {{.api = api, .base_url = url + "/v1", .model = model, .key_env = kKeyVariable}}});
}

lb::Options options_in(const TempDir& dir, const llm::Client& client) {
  lb::Options opt = test_options(dir.path());
  opt.quotas = client.quotas();
  opt.concurrency = 4;
  return opt;
}

class LlmBatchOnStub : public ::testing::TestWithParam<llm::Api> {};

TEST_P(LlmBatchOnStub, EveryItemOnceWithTheOnlineLabelsAtHalfTheSpend) {
  const llm::Api api = GetParam();
  const std::string provider = api == llm::Api::openai ? "openai" : "anthropic";
  // Two stubs of the same seed: the stub's answer to a name depends on how often it was asked.
  RunningStub online_stub({"--batch-seconds", "0"});
  RunningStub stub({"--batch-seconds", "0"});
  const std::vector<Item> items = make_items(23, "lead-");

  TempDir online_dir;
  llm::Client online_client = client_of(online_stub.url(), api);
  lb::BackgroundProcessor<Item, Label> online_proc(options_in(online_dir, online_client));
  const auto online = llm::run(online_proc, online_client, items, label_pipeline());
  ASSERT_EQ(online.succeeded, items.size()) << online.reason;
  ASSERT_EQ(online_stub.stats().value("batches_created", -1), 0);

  TempDir batch_dir;
  llm::Client client = client_of(stub.url(), api);
  lb::BackgroundProcessor<Item, Label> batch_proc(options_in(batch_dir, client));
  const llm::RunOptions batch{.mode = llm::Mode::batch, .max_batch_requests = 10, .poll_interval = std::chrono::milliseconds(20)};
  const auto batched = llm::run(batch_proc, client, items, label_pipeline(), batch);
  ASSERT_EQ(batched.succeeded, items.size()) << batched.reason;
  EXPECT_EQ(lb::exit_code(batched), 0);

  const nlohmann::json stats = stub.stats();
  EXPECT_EQ(stats.value("requests", -1), 0) << "no online call in the batch run: " << stats;
  EXPECT_EQ(stats["batches_by_provider"][provider].value("created", -1), 3) << "23 requests in batches of 10: " << stats;
  EXPECT_EQ(stats.value("batch_rows", -1), static_cast<int>(items.size())) << stats;
  EXPECT_EQ(stats.value("batch_duplicate_rows", -1), 0) << stats;

  std::map<std::string, std::string> online_labels;
  for (const auto& [id, label] : online.results) online_labels[id] = label.label;
  ASSERT_EQ(batched.results.size(), items.size());
  for (const auto& [id, label] : batched.results) EXPECT_EQ(label.label, online_labels.at(id)) << id;
  const auto counts = ok_counts(batched.journal_file);
  EXPECT_EQ(counts.size(), items.size());
  for (const auto& [id, count] : counts) EXPECT_EQ(count, 1) << id;

  const auto& spent_online = online.quotas.at(provider);
  const auto& spent_batch = batched.quotas.at(provider);
  EXPECT_GT(spent_online.tokens_total, 0);
  EXPECT_EQ(spent_batch.tokens_total, spent_online.tokens_total);
  EXPECT_GT(spent_online.spent_usd, 0);
  EXPECT_NEAR(spent_batch.spent_usd, spent_online.spent_usd / 2, spent_online.spent_usd * 1e-9);
}

INSTANTIATE_TEST_SUITE_P(BothApis, LlmBatchOnStub, ::testing::Values(llm::Api::openai, llm::Api::anthropic),
                         [](const ::testing::TestParamInfo<llm::Api>& api) { return api.param == llm::Api::openai ? "openai" : "anthropic"; });

// A kill between recording a chunk and recording its batch id is the case that would make a
// batch twice: the resume finds the batch by its metadata instead. A kill while results are
// written must leave no lead twice in the files.
TEST(DemoLlmBatch, SigkillAtRandomMomentsThenResumeKeepsEveryLeadOnceInOneBatch) {
  using leadscout::test::examples::csv_rows;
  using leadscout::test::examples::Demo;
  using leadscout::test::examples::expect_every_lead_once;
  constexpr int kLeads = 80;
  constexpr int kKills = 10;
  TempDir dir;
  // A batch takes a second at the stub, so every kill (10 to 250 ms after a start) falls inside
  // a run, however fast the machine: before a batch is made, between its creation and its
  // journal note, or while it is polled.
  RunningStub stub({"--latency-ms", "1", "--batch-seconds", "1"});
  const std::vector<std::string> flags = {"--leads", std::to_string(kLeads), "--concurrency", "4", "--log-dir", "logs",
                                          "--llm-url", stub.url() + "/v1", "--llm-batch", "--batch-requests", "4",
                                          "--batch-poll-interval", "20ms", "--llm-cache", "off"};
  // Without the response cache each lead the model answers is one row: repeated names would
  // otherwise be answered from the cache or submitted once.
  const std::vector<std::string> env = {"OPENAI_API_KEY=sk-test-demo-batch"};
  const unsigned seed = std::random_device{}();
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> moment_ms(10, 250);
  int landed = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    Demo demo(dir.path(), flags, env);
    const int at = moment_ms(random);
    std::this_thread::sleep_for(std::chrono::milliseconds(at));
    ::kill(demo.pid(), SIGKILL);
    const int code = demo.wait(std::chrono::seconds(10));
    EXPECT_TRUE(code == 128 + SIGKILL || code == 0) << "kill " << kill << " at " << at << " ms (seed " << seed << "): " << code;
    if (code == 128 + SIGKILL) ++landed;
  }
  EXPECT_GE(landed, 1) << "no kill fell inside a run";
  Demo resumed(dir.path(), flags, env);
  ASSERT_EQ(resumed.wait(std::chrono::seconds(30)), 0) << "seed " << seed << ": " << resumed.stderr_text();

  const auto rows = csv_rows(dir / "results/logistics_demo.csv");
  expect_every_lead_once(rows, kLeads);
  const auto by_llm = std::count_if(rows.begin(), rows.end(), [](const auto& row) { return row.second[4] == "llm"; });
  EXPECT_GT(by_llm, 0) << "some leads need the model";
  EXPECT_LT(by_llm, kLeads) << "the rules answer some leads, which go into no batch";
  const nlohmann::json stats = stub.stats();
  EXPECT_EQ(stats.value("batch_duplicate_rows", -1), 0) << "seed " << seed << ": " << stats;
  EXPECT_EQ(stats.value("batch_rows", 0), by_llm) << "a row for each lead the model answered, none for the others: " << stats;
  EXPECT_EQ(stats.value("requests", -1), 0) << "no lead asked online: " << stats;
}

// Batches that take a minute at the stub stay in progress while the test looks: the progress
// file lists each with its id, status and counts, its items count as in flight, and the
// dashboard shows a row for each.
TEST(DemoLlmBatchBrowser, ProgressFileAndDashboardShowTheBatchesOfARunningJob) {
  TempDir dir;
  RunningStub stub({"--latency-ms", "1", "--batch-seconds", "60"});
  leadscout::test::examples::Demo demo(
      dir.path(),
      {"--leads", "60", "--concurrency", "4", "--log-dir", "logs", "--llm-url", stub.url() + "/v1", "--llm-batch",
       "--batch-requests", "10", "--batch-poll-interval", "50ms", "--llm-cache", "off"},
      {"OPENAI_API_KEY=sk-test-demo-batch"});
  const auto progress_dir = dir / "logs/progress";
  lb::ProgressSnapshot seen;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const auto all_polled = [](const lb::ProgressSnapshot& s) {
    return !s.batches.empty() && std::all_of(s.batches.begin(), s.batches.end(), [](const lb::BatchReport& b) {
      return b.status == "in_progress";
    });
  };
  while (std::chrono::steady_clock::now() < until && !all_polled(seen)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      seen = lb::read_progress(progress_dir / "logistics_demo.json");
    } catch (const std::exception&) {
      // not written yet, or replaced while read
    }
  }
  ASSERT_TRUE(all_polled(seen)) << leadscout::test::read_file(progress_dir / "logistics_demo.json");
  std::uint64_t rows = 0;
  for (const lb::BatchReport& b : seen.batches) {
    EXPECT_TRUE(b.id.starts_with("batch_")) << b.id;
    EXPECT_GE(b.requests, 1U);
    EXPECT_LE(b.requests, 10U);
    EXPECT_EQ(b.completed, 0U);
    EXPECT_GE(b.age_seconds, b.status_seconds);
    rows += b.requests;
  }
  EXPECT_GE(seen.in_flight, rows) << "the items inside a batch count as in flight";
  EXPECT_EQ(seen.status, lb::Status::running);

  const auto chromium = leadscout::test::find_chromium();
  if (chromium) {
    // The demo's run, as leadscout-status --serve shows it.
    const std::string dom = leadscout::test::dashboard_dom(*chromium, progress_dir, leadscout::monitor::Scope::all);
    for (const lb::BatchReport& b : seen.batches) {
      const auto at = dom.find("data-batch=\"" + b.id + "\"");
      ASSERT_NE(at, std::string::npos) << b.id << " in " << dom.substr(std::min(dom.size(), dom.find("<main")));
      EXPECT_NE(dom.substr(at, 300).find("in progress"), std::string::npos) << dom.substr(at, 300);
    }
    EXPECT_NE(dom.find(" at the provider"), std::string::npos);
  }
  ::kill(demo.pid(), SIGTERM);
  EXPECT_EQ(demo.wait(std::chrono::seconds(20)), 143) << demo.stderr_text();
  // Stopped, the batches go on at the provider: the final file still names them for the resume.
  EXPECT_FALSE(lb::read_progress(progress_dir / "logistics_demo.json").batches.empty());
  if (!chromium) GTEST_SKIP() << "the dashboard part needs chromium (scripts/test.sh --browser installs it)";
}

TEST(DemoLlmBatch, WithoutAProviderUrlIsBadUsage) {
  TempDir dir;
  leadscout::test::examples::Demo demo(dir.path(), {"--leads", "5", "--log-dir", "logs", "--llm-batch"});
  EXPECT_EQ(demo.wait(std::chrono::seconds(10)), 2) << "the simulated provider has no batch API";
}

}  // namespace

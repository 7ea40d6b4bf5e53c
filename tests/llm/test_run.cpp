// llm::run: online and through the provider's batch API, with resume, expiry and failures.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <ranges>
#include <thread>

#include "batch/batch_test_utils.hpp"
#include "llm/fake_batch_provider.hpp"
#include "llm/llm_test_utils.hpp"

namespace {

namespace lb = leadscout::batch;
namespace llm = leadscout::llm;
using leadscout::test::TempDir;
using leadscout::test::batch::events;
using leadscout::test::batch::init_logging;
using leadscout::test::batch::Item;
using leadscout::test::batch::make_items;
using leadscout::test::batch::ok_counts;
using leadscout::test::batch::test_options;
using leadscout::test::llm::FakeBatchProvider;
using leadscout::test::llm::kLabelSchema;
using leadscout::test::llm::Label;

// The documented program, as written: it must compile (it is not run: it would call OpenAI).
namespace documented {
struct Lead {
  std::string id;
  std::string name;
};
const std::string kPrompt = "Classify the name.";
[[maybe_unused]] int program(const std::vector<Lead>& leads) {
  llm::Client client({.endpoints = {{.api = llm::Api::openai, .model = "gpt-4o-mini"}}});
  lb::Options opt;
  opt.quotas = client.quotas();
  lb::BackgroundProcessor<Lead, Label> proc(opt);
  llm::Pipeline<Lead, Label> pipeline{
      .request = [](const Lead& lead) {
        return llm::Request{.system = kPrompt, .user = lead.name, .schema = kLabelSchema, .max_tokens = 64};
      },
      .result = [](const Lead&, const llm::Reply& reply) -> lb::Outcome<Label> {
        return Label{reply.json().at("label").get<std::string>(), reply.json().at("confidence").get<double>()};
      },
  };
  lb::Summary summary = llm::run(proc, client, leads, pipeline, {.mode = llm::Mode::batch});
  return lb::exit_code(summary);
}
}  // namespace documented

llm::Pipeline<Item, Label> label_pipeline() {
  return {.request = [](const Item& item) {
            return llm::Request{.system = "Classify the name.", .user = item.id, .schema = kLabelSchema, .max_tokens = 64};
          },
          .result = [](const Item&, const llm::Reply& reply) -> lb::Outcome<Label> {
            return Label{reply.json().at("label").get<std::string>(), reply.json().at("confidence").get<double>()};
          }};
}

llm::Client client_of(const std::string& url, llm::Api api = llm::Api::openai) {
  const std::string model = api == llm::Api::openai ? "gpt-4o-mini" : "claude-3-5-haiku-latest";
  return llm::Client({.endpoints = {{.api = api, .base_url = url, .model = model}}});
}

// $2 a token online and $1 in a batch; with max_tokens 1000 a row's estimate is over $1000,
// while the fake's answers use 110 tokens ($110).
llm::Client priced_client(const std::string& url) {
  return llm::Client({.endpoints = {{.api = llm::Api::openai, .base_url = url, .model = "priced-model",
                                     .price_in_usd_per_mtok = 2e6, .price_out_usd_per_mtok = 2e6}}});
}

llm::RunOptions batch_options() {
  return {.mode = llm::Mode::batch, .max_batch_requests = 4, .poll_interval = std::chrono::milliseconds(20)};
}

lb::Options options_in(const TempDir& dir, const llm::Client& client) {
  lb::Options opt = test_options(dir.path());
  opt.quotas = client.quotas();
  return opt;
}

/// Each of the `n` items is journaled as done exactly once.
void expect_each_item_once(const std::filesystem::path& journal, std::size_t n) {
  const auto counts = ok_counts(journal);
  EXPECT_EQ(counts.size(), n);
  for (const auto& [id, count] : counts) EXPECT_EQ(count, 1) << id;
}

TEST(LlmRun, BatchModeGivesTheOnlineLabelsAtHalfTheSpend) {
  TempDir online_dir, batch_dir;
  init_logging(batch_dir.path());
  FakeBatchProvider provider({});
  llm::Client client = client_of(provider.url());
  const std::vector<Item> items = make_items(10);

  lb::BackgroundProcessor<Item, Label> online_proc(options_in(online_dir, client));
  const auto online = llm::run(online_proc, client, items, label_pipeline());
  ASSERT_EQ(online.succeeded, 10U) << online.reason;
  EXPECT_EQ(provider.batches_created(), 0);

  lb::BackgroundProcessor<Item, Label> batch_proc(options_in(batch_dir, client));
  const auto batched = llm::run(batch_proc, client, items, label_pipeline(), batch_options());
  ASSERT_EQ(batched.succeeded, 10U) << batched.reason;
  EXPECT_EQ(lb::exit_code(batched), 0);
  EXPECT_EQ(provider.batches_created(), 3) << "10 requests in batches of 4";
  EXPECT_EQ(provider.duplicates(), 0);
  EXPECT_EQ(provider.online_calls(), 10) << "only the online run called online";
  ASSERT_EQ(batched.results.size(), online.results.size());
  for (std::size_t i = 0; i < online.results.size(); ++i) {
    EXPECT_EQ(batched.results[i].first, online.results[i].first);
    EXPECT_EQ(batched.results[i].second.label, online.results[i].second.label);
  }
  const auto& spent_online = online.quotas.at("openai");
  const auto& spent_batch = batched.quotas.at("openai");
  EXPECT_EQ(spent_batch.tokens_total, spent_online.tokens_total);
  EXPECT_GT(spent_online.spent_usd, 0);
  EXPECT_NEAR(spent_batch.spent_usd, spent_online.spent_usd / 2, 1e-12);
  const nlohmann::json create = provider.created_bodies().front();
  EXPECT_EQ(create.at("endpoint"), "/v1/chat/completions");
  EXPECT_EQ(create.at("completion_window"), "24h");
  EXPECT_EQ(create.at("metadata").at("leadscout_run"), "test_op");
  expect_each_item_once(batched.journal_file, 10);
}

TEST(LlmRun, BatchesAreCutByTheirEstimatedTokens) {
  TempDir dir;
  init_logging(dir.path());
  FakeBatchProvider provider({});
  llm::Client client = client_of(provider.url());
  lb::BackgroundProcessor<Item, Label> proc(options_in(dir, client));
  llm::RunOptions o = batch_options();
  o.max_batch_tokens = 1;  // below any request's estimate: one request a batch
  const auto summary = llm::run(proc, client, make_items(6), label_pipeline(), o);
  ASSERT_EQ(summary.succeeded, 6U) << summary.reason;
  EXPECT_EQ(provider.batches_created(), 6) << "by count alone: 2 batches of 4 and 2";
  EXPECT_EQ(provider.duplicates(), 0);
}

// 9 items asking 3 distinct questions: one row per question; a second run of the same job
// (a fresh journal, the same cache) submits nothing and spends nothing.
TEST(LlmRun, BatchModeSubmitsEachDistinctQuestionOnceAndNoneTheCacheAnswers) {
  TempDir cache_dir, first_dir, second_dir;
  init_logging(first_dir.path());
  FakeBatchProvider provider({});
  llm::Client client({.endpoints = {{.api = llm::Api::openai, .base_url = provider.url(), .model = "gpt-4o-mini"}},
                      .cache = llm::Cache::sqlite((cache_dir.path() / "llm.sqlite").string())});
  llm::Pipeline<Item, Label> pipeline = label_pipeline();
  pipeline.request = [](const Item& item) {
    return llm::Request{.system = "Classify the name.", .user = "name-" + std::to_string(item.value % 3),
                        .schema = kLabelSchema, .max_tokens = 64};
  };
  const std::vector<Item> items = make_items(9);

  lb::BackgroundProcessor<Item, Label> first_proc(options_in(first_dir, client));
  const auto first = llm::run(first_proc, client, items, pipeline, batch_options());
  ASSERT_EQ(first.succeeded, 9U) << first.reason;
  EXPECT_EQ(provider.batch_rows(), 3) << "identical requests are submitted once";
  EXPECT_GT(first.quotas.at("openai").spent_usd, 0);

  lb::BackgroundProcessor<Item, Label> second_proc(options_in(second_dir, client));
  const auto second = llm::run(second_proc, client, items, pipeline, batch_options());
  ASSERT_EQ(second.succeeded, 9U) << second.reason;
  EXPECT_EQ(provider.batch_rows(), 3) << "answers in the cache are not submitted";
  EXPECT_EQ(provider.online_calls(), 0);
  EXPECT_EQ(second.quotas.at("openai").spent_usd, 0);
  ASSERT_EQ(second.results.size(), first.results.size());
  for (std::size_t i = 0; i < first.results.size(); ++i) {
    EXPECT_EQ(second.results[i].second.label, first.results[i].second.label);
  }
}

TEST(LlmRun, AnthropicMessageBatchesGiveTheOnlineLabelsAtHalfTheSpend) {
  TempDir online_dir, batch_dir;
  init_logging(batch_dir.path());
  FakeBatchProvider provider({.expire_batches = 1, .refuse = {"item-4"}});
  llm::Client client = client_of(provider.url(), llm::Api::anthropic);
  std::vector<Item> items = make_items(6);
  items[2].id = "item 2/with spaces";  // not a valid custom_id: it travels hashed
  lb::BackgroundProcessor<Item, Label> online_proc(options_in(online_dir, client));
  const auto online = llm::run(online_proc, client, items, label_pipeline());
  ASSERT_EQ(online.succeeded, 6U) << online.reason;

  lb::BackgroundProcessor<Item, Label> batch_proc(options_in(batch_dir, client));
  llm::RunOptions o = batch_options();
  o.max_batch_requests = 100;
  const auto batched = llm::run(batch_proc, client, items, label_pipeline(), o);
  // The first batch expires with its odd rows (item-1, item-3, item-5) unanswered: a second
  // batch answers them; item-4 is refused.
  EXPECT_EQ(batched.succeeded, 5U) << batched.reason;
  ASSERT_EQ(batched.failures.size(), 1U);
  EXPECT_EQ(batched.failures.front().reason, "bad_request: bad model");
  EXPECT_EQ(provider.batches_created(), 2);
  EXPECT_EQ(provider.online_calls(), 6) << "only the online run called online";
  EXPECT_EQ(batched.results.size(), 5U);
  for (const auto& [id, label] : batched.results) EXPECT_EQ(label.label, online.results.front().second.label) << id;
  const double online_per_item = online.quotas.at("anthropic").spent_usd / 6;
  EXPECT_NEAR(batched.quotas.at("anthropic").spent_usd, 5 * online_per_item / 2, 1e-12);
}

/// A test's surroundings: logging into a fresh directory, a FakeBatchProvider, and a client of
/// it (client_of(), unless `client_for` is given).
struct FakeRun {
  explicit FakeRun(FakeBatchProvider::Settings settings, llm::Client (*client_for)(const std::string&) = nullptr)
      : provider(std::move(settings)),
        client(client_for != nullptr ? client_for(provider.url()) : client_of(provider.url())) {}

  TempDir dir;
  std::filesystem::path log_file = init_logging(dir.path());
  FakeBatchProvider provider;
  llm::Client client;

  /// Runs in batch mode until the provider made `batches` batches, then stops the run.
  /// `items`: a vector or any input range.
  template <class Items>
  lb::Summary<Label> run_until_created(Items&& items, int batches) {
    lb::BackgroundProcessor<Item, Label> proc(options_in(dir, client));
    std::atomic<bool> done{false};
    std::thread stopper([&] {
      while (!done.load() && provider.batches_created() < batches) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      proc.stop(SIGINT);
    });
    auto summary = llm::run(proc, client, std::forward<Items>(items), label_pipeline(), batch_options());
    done = true;
    stopper.join();
    return summary;
  }

  /// Releases held batches and resumes the run with `options`: it must collect the `batches`
  /// batches of the stopped run, make none again and send no row twice.
  template <class Items>
  lb::Summary<Label> resume(Items&& items, int batches, const llm::RunOptions& options = batch_options()) {
    provider.release();
    lb::BackgroundProcessor<Item, Label> proc(options_in(dir, client));
    auto resumed = llm::run(proc, client, std::forward<Items>(items), label_pipeline(), options);
    EXPECT_EQ(provider.batches_created(), batches) << "the journaled batches were collected, none made again";
    EXPECT_EQ(provider.duplicates(), 0);
    return resumed;
  }
};

TEST(LlmRun, AStoppedBatchRunResumesByCollectingItsBatches) {
  FakeRun fake({.hold = true});
  const std::vector<Item> items = make_items(8);
  const auto stopped = fake.run_until_created(items, 2);
  EXPECT_EQ(stopped.status, lb::Status::interrupted);
  EXPECT_EQ(lb::exit_code(stopped), 130);
  EXPECT_EQ(stopped.remaining, 8U) << "items in a batch stay for the resume";
  EXPECT_EQ(fake.provider.batches_created(), 2);
  // The provider keeps them: the progress file still names both for whoever looks.
  const auto shown = lb::read_progress(fake.dir / "progress/test_op.json").batches;
  ASSERT_EQ(shown.size(), 2U);
  EXPECT_EQ(shown[0].id, "batch_1");
  EXPECT_EQ(shown[1].id, "batch_2");
  EXPECT_TRUE(shown[0].status == "validating" || shown[0].status == "in_progress") << shown[0].status;
  EXPECT_EQ(shown[0].requests + shown[1].requests, 8U);

  const auto resumed = fake.resume(items, 2);
  ASSERT_EQ(resumed.succeeded, 8U) << resumed.reason;
  expect_each_item_once(resumed.journal_file, 8);
}

TEST(LlmRun, ABatchCreatedButNotJournaledIsFoundByItsMetadata) {
  FakeRun fake({.hold = true});
  const std::vector<Item> items = make_items(4);
  const auto stopped = fake.run_until_created(items, 1);
  ASSERT_EQ(stopped.status, lb::Status::interrupted);
  // As if killed between the create and its note: drop the note that names the batch.
  std::ifstream in(stopped.journal_file);
  std::string kept;
  for (std::string line; std::getline(in, line);) {
    if (line.find("batch_1") == std::string::npos) kept += line + "\n";
  }
  in.close();
  std::ofstream(stopped.journal_file, std::ios::trunc) << kept;

  const auto resumed = fake.resume(items, 1);
  ASSERT_EQ(resumed.succeeded, 4U) << resumed.reason;
}

// The resume makes smaller batches: it still takes in every row of the earlier run's 20
// batches before it reads their results, so none is dropped and sent again.
TEST(LlmRun, AResumeWithSmallerBatchesCollectsEveryRowOfTheEarlierBatches) {
  FakeRun fake({.hold = true});
  const std::vector<Item> items = make_items(80);
  const auto stopped = fake.run_until_created(items, 20);
  ASSERT_EQ(stopped.status, lb::Status::interrupted);
  ASSERT_EQ(fake.provider.batches_created(), 20) << "80 rows in batches of 4";

  llm::RunOptions smaller = batch_options();
  smaller.max_batch_requests = 1;
  const auto resumed = fake.resume(items, 20, smaller);
  ASSERT_EQ(resumed.succeeded, 80U) << resumed.reason;
  expect_each_item_once(resumed.journal_file, 80);
}

// A single-pass input (a view made on the fly) runs in batch mode as a span does, stop and
// resume included.
TEST(LlmRun, AStreamedInputRunsInBatchModeAndAResumeCollectsItsBatches) {
  FakeRun fake({.hold = true});
  const auto stream = [] {
    return std::views::iota(0, 30) | std::views::transform([](int i) { return Item{"item-" + std::to_string(i), i}; });
  };
  const auto stopped = fake.run_until_created(stream(), 8);
  ASSERT_EQ(stopped.status, lb::Status::interrupted) << stopped.reason;
  ASSERT_EQ(fake.provider.batches_created(), 8) << "30 rows in batches of 4";

  const auto resumed = fake.resume(stream(), 8);
  ASSERT_EQ(resumed.status, lb::Status::completed) << resumed.reason;
  EXPECT_EQ(resumed.succeeded, 30U);
  EXPECT_EQ(fake.provider.online_calls(), 0);
  expect_each_item_once(resumed.journal_file, 30);
}

TEST(LlmRun, CancelOnStopCancelsTheBatchesAtTheProvider) {
  TempDir dir;
  init_logging(dir.path());
  FakeBatchProvider provider({.hold = true});
  llm::Client client = client_of(provider.url());
  lb::BackgroundProcessor<Item, Label> proc(options_in(dir, client));
  std::thread stopper([&] {
    while (provider.batches_created() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    proc.stop(SIGTERM);
  });
  llm::RunOptions o = batch_options();
  o.cancel_on_stop = true;
  const auto summary = llm::run(proc, client, make_items(8), label_pipeline(), o);
  stopper.join();
  EXPECT_EQ(lb::exit_code(summary), 143);
  EXPECT_EQ(summary.remaining, 8U);
  EXPECT_EQ(provider.cancelled(), (std::vector<std::string>{"batch_1", "batch_2"}));
}

TEST(LlmRun, ABatchStuckInOneStatusIsLoggedAtWarningOnce) {
  TempDir dir;
  const auto log_file = init_logging(dir.path());
  FakeBatchProvider provider({.hold = true, .hold_as = "finalizing"});
  llm::Client client = client_of(provider.url());
  lb::BackgroundProcessor<Item, Label> proc(options_in(dir, client));
  llm::RunOptions o = batch_options();
  o.poll_interval = std::chrono::milliseconds(4);  // stuck after 60 intervals in finalizing
  std::thread stopper([&] {
    while (provider.batches_created() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    proc.stop(SIGINT);
  });
  const auto summary = llm::run(proc, client, make_items(2), label_pipeline(), o);
  stopper.join();
  EXPECT_EQ(lb::exit_code(summary), 130);
  const auto stuck = events(log_file, "LLM batch stuck");
  ASSERT_EQ(stuck.size(), 1U);
  EXPECT_EQ(stuck.front().at("status"), "finalizing");
  EXPECT_EQ(stuck.front().at("level"), "warning");
}

TEST(LlmRun, ExpiredRowsGoIntoNewBatchesThenOnlineAndFinishedOnesAreKept) {
  TempDir dir;
  init_logging(dir.path());
  FakeBatchProvider provider({.expire_batches = 100});
  llm::Client client = client_of(provider.url());
  const std::vector<Item> items = make_items(4);
  lb::BackgroundProcessor<Item, Label> proc(options_in(dir, client));
  llm::RunOptions o = batch_options();
  o.resubmit = 1;
  const auto summary = llm::run(proc, client, items, label_pipeline(), o);
  ASSERT_EQ(summary.succeeded, 4U) << summary.reason;
  // 4 rows: 2 answered in the first batch; 2 expired go into a second, where 1 expires again
  // and is then asked online.
  EXPECT_EQ(provider.batches_created(), 2);
  EXPECT_EQ(provider.online_calls(), 1);
  expect_each_item_once(summary.journal_file, 4);
}

TEST(LlmRun, ARequestThatThrowsFailsItsItemAndTheRunGoesOn) {
  TempDir dir;
  init_logging(dir.path());
  FakeBatchProvider provider({});
  llm::Client client = client_of(provider.url());
  lb::BackgroundProcessor<Item, Label> proc(options_in(dir, client));
  llm::Pipeline<Item, Label> pipeline = label_pipeline();
  const auto ask = pipeline.request;
  pipeline.request = [ask](const Item& item) {
    if (item.id == "item-1") throw std::runtime_error("no name");
    return ask(item);
  };
  const auto summary = llm::run(proc, client, make_items(3), pipeline, batch_options());
  EXPECT_EQ(summary.succeeded, 2U) << summary.reason;
  ASSERT_EQ(summary.failures.size(), 1U);
  EXPECT_EQ(summary.failures.front().reason, "exception: no name");
  EXPECT_EQ(summary.status, lb::Status::completed);
}

TEST(LlmRun, RowsRefusedWithA4xxAreFailedItemsWithTheProvidersError) {
  TempDir dir;
  init_logging(dir.path());
  FakeBatchProvider provider({.refuse = {"item-1"}});
  llm::Client client = client_of(provider.url());
  lb::BackgroundProcessor<Item, Label> proc(options_in(dir, client));
  const auto summary = llm::run(proc, client, make_items(3), label_pipeline(), batch_options());
  EXPECT_EQ(summary.succeeded, 2U);
  ASSERT_EQ(summary.failures.size(), 1U);
  EXPECT_EQ(summary.failures.front().id, "item-1");
  EXPECT_EQ(summary.failures.front().reason, "bad_request: bad model");
  EXPECT_EQ(lb::exit_code(summary), 5);
}

// pipeline.local answers the even items: they are never sent, and land in the journal and the
// results with the others; pipeline.on_outcome counts each item's outcome.
void expect_local_answers_are_not_sent(llm::Mode mode) {
  FakeRun fake({});
  lb::BackgroundProcessor<Item, Label> proc(options_in(fake.dir, fake.client));
  llm::Pipeline<Item, Label> pipeline = label_pipeline();
  pipeline.local = [](const Item& item) -> std::optional<lb::Outcome<Label>> {
    if (item.value % 2 == 0) return Label{"by-rule", 1.0};
    return std::nullopt;
  };
  pipeline.on_outcome = [](const Item&, const lb::Outcome<Label>& outcome, lb::Context& ctx) {
    ctx.metric(outcome.value().label, 1);
  };
  llm::RunOptions o = batch_options();
  o.mode = mode;
  const auto summary = llm::run(proc, fake.client, make_items(10), pipeline, o);
  ASSERT_EQ(summary.succeeded, 10U) << summary.reason;
  EXPECT_EQ(summary.metrics.at("by-rule"), 5) << "on_outcome sees every outcome, with its context";
  EXPECT_EQ(summary.metrics.at("english"), 5);
  EXPECT_EQ(fake.provider.online_calls() + fake.provider.batch_rows(), 5) << "the odd items only";
  EXPECT_EQ(mode == llm::Mode::online ? fake.provider.batch_rows() : fake.provider.online_calls(), 0);
  ASSERT_EQ(summary.results.size(), 10U);
  for (const auto& [id, label] : summary.results) {
    EXPECT_EQ(label.label, std::stoi(id.substr(5)) % 2 == 0 ? "by-rule" : "english") << id;
  }
  expect_each_item_once(summary.journal_file, 10);
}

TEST(LlmRun, ItemsThePipelineAnswersLocallyAreNeverAskedOnline) {
  expect_local_answers_are_not_sent(llm::Mode::online);
}

TEST(LlmRun, ItemsThePipelineAnswersLocallyNeverGoIntoABatch) {
  expect_local_answers_are_not_sent(llm::Mode::batch);
}

TEST(LlmRun, ALocalAnswerThatThrowsFailsItsItemAndTheRunGoesOn) {
  FakeRun fake({});
  lb::BackgroundProcessor<Item, Label> proc(options_in(fake.dir, fake.client));
  llm::Pipeline<Item, Label> pipeline = label_pipeline();
  pipeline.local = [](const Item& item) -> std::optional<lb::Outcome<Label>> {
    if (item.id == "item-1") throw std::runtime_error("no rule");
    return std::nullopt;
  };
  const auto summary = llm::run(proc, fake.client, make_items(3), pipeline, batch_options());
  EXPECT_EQ(summary.succeeded, 2U) << summary.reason;
  ASSERT_EQ(summary.failures.size(), 1U);
  EXPECT_EQ(summary.failures.front().id, "item-1");
  EXPECT_EQ(summary.failures.front().reason, "exception: no rule");
  EXPECT_EQ(fake.provider.batch_rows(), 2);
}

}  // namespace

// ---- the budget ---------------------------------------------------------------------------------

llm::Pipeline<Item, Label> long_answer_pipeline() {
  llm::Pipeline<Item, Label> pipeline = label_pipeline();
  pipeline.request = [](const Item& item) {
    return llm::Request{.system = "Classify the name.", .user = item.id, .schema = kLabelSchema, .max_tokens = 1000};
  };
  return pipeline;
}

lb::Options budget_options(const TempDir& dir, const llm::Client& client, double budget_usd) {
  lb::Options opt = options_in(dir, client);
  opt.quotas.at(0).budget_usd = budget_usd;
  opt.progress_interval = std::chrono::milliseconds(20);
  return opt;
}

TEST(LlmRunBudget, ABatchHoldsItsRowsEstimatedCostUntilEachRowIsCharged) {
  FakeRun fake({.hold = true}, priced_client);
  lb::BackgroundProcessor<Item, Label> proc(budget_options(fake.dir, fake.client, 1e6));
  lb::Summary<Label> summary;
  std::thread run([&] {
    summary = llm::run(proc, fake.client, make_items(8), long_answer_pipeline(), batch_options());
  });
  lb::QuotaReport held;
  for (int i = 0; i < 5000 && held.reserved_usd < 8000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (fake.provider.batches_created() == 2) {
      held = lb::read_progress(fake.dir / "progress/test_op.json").quotas["openai"];
    }
  }
  fake.provider.release();
  run.join();
  EXPECT_GE(held.reserved_usd, 8000) << "8 rows of at least 1000 tokens at $1, reserved while at the provider";
  EXPECT_EQ(held.spent_usd, 0);
  ASSERT_EQ(summary.succeeded, 8U) << summary.reason;
  const lb::QuotaReport& settled = summary.quotas.at("openai");
  EXPECT_NEAR(settled.spent_usd, 8 * 110.0, 1e-6) << "each row charged its reported usage";
  EXPECT_EQ(settled.reserved_usd, 0);
  EXPECT_EQ(settled.tokens_total, 8 * 110);
}

// A budget for a few rows: only what it can pay is submitted, the run stops with exit 4, and a
// resume with more budget finishes the rest without a row sent twice.
TEST(LlmRunBudget, OnlyTheRowsTheBudgetCanPayAreSubmittedAndAResumeFinishesTheRest) {
  FakeRun fake({}, priced_client);
  const std::vector<Item> items = make_items(10);
  lb::BackgroundProcessor<Item, Label> first(budget_options(fake.dir, fake.client, 1500));
  const auto stopped = llm::run(first, fake.client, items, long_answer_pipeline(), batch_options());
  EXPECT_EQ(stopped.status, lb::Status::budget_exhausted) << stopped.reason;
  EXPECT_EQ(lb::exit_code(stopped), 4);
  ASSERT_GT(stopped.succeeded, 0U);
  ASSERT_LT(stopped.succeeded, 10U);
  EXPECT_EQ(fake.provider.batch_rows(), static_cast<int>(stopped.succeeded))
      << "no row was sent that the budget could not hold";
  const lb::QuotaReport& spent = stopped.quotas.at("openai");
  EXPECT_NEAR(spent.spent_usd, 110.0 * static_cast<double>(stopped.succeeded), 1e-6) << "no answered row at $0";
  EXPECT_LE(spent.spent_usd, 1500);
  EXPECT_EQ(fake.provider.online_calls(), 0);

  lb::BackgroundProcessor<Item, Label> second(budget_options(fake.dir, fake.client, 1e6));
  const auto resumed = llm::run(second, fake.client, items, long_answer_pipeline(), batch_options());
  ASSERT_EQ(resumed.status, lb::Status::completed) << resumed.reason;
  EXPECT_EQ(fake.provider.batch_rows(), 10);
  EXPECT_EQ(fake.provider.duplicates(), 0);
  EXPECT_NEAR(resumed.quotas.at("openai").spent_usd, 110.0 * 10, 1e-6) << "the first run's spend counts";
  expect_each_item_once(resumed.journal_file, 10);
}

// A row asked online after its batch expired, while other batches hold most of the budget: its
// call waits until their rows settle. (Its permit would otherwise wait for holds that only the
// runner, blocked in that call, releases.)
TEST(LlmRunBudget, AnOnlineFallbackWaitsForTheOpenBatchesToSettleInsteadOfBlockingThem) {
  // Batch 1 ends at once, its second row expired; batches 2 and 3 stay at the provider.
  FakeRun fake({.hold = true, .hold_from = 1, .expire_batches = 1}, priced_client);
  // A row's estimate: its text at 4 characters a token plus max_tokens, $1 a token in a batch
  // and $2 online. The budget holds the 6 rows' batches, but not the expired row's online call
  // beside the 4 rows still held and the $110 the answered row cost.
  const std::size_t text = std::string("Classify the name.").size() + std::string("item-0").size() +
                           nlohmann::json::parse(kLabelSchema).dump().size();
  const double row = static_cast<double>((text + 3) / 4 + 1000);
  const double budget = 6 * row + 55;
  lb::BackgroundProcessor<Item, Label> proc(budget_options(fake.dir, fake.client, budget));
  llm::RunOptions o = batch_options();
  o.max_batch_requests = 2;
  o.resubmit = 0;
  lb::Summary<Label> summary;
  std::atomic<bool> done{false};
  std::thread run([&] {
    summary = llm::run(proc, fake.client, make_items(6), long_answer_pipeline(), o);
    done = true;
  });
  lb::QuotaReport waiting;
  for (int i = 0; i < 5000 && !(waiting.spent_usd > 0 && waiting.reserved_usd < 5 * row); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (fake.provider.batches_created() == 3) {
      waiting = lb::read_progress(fake.dir / "progress/test_op.json").quotas["openai"];
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NEAR(waiting.spent_usd, 110, 1e-6) << "batch 1's answered row";
  EXPECT_NEAR(waiting.reserved_usd, 4 * row, 1e-6) << "batches 2 and 3";
  EXPECT_EQ(fake.provider.online_calls(), 0) << "the call waits while it does not fit";
  fake.provider.release();
  for (int i = 0; i < 1000 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const bool finished = done;
  if (!finished) proc.stop(SIGINT);
  run.join();
  ASSERT_TRUE(finished) << "the run stopped making progress";
  ASSERT_EQ(summary.succeeded, 6U) << summary.reason;
  EXPECT_EQ(fake.provider.online_calls(), 1);
  EXPECT_LE(summary.quotas.at("openai").spent_usd, budget);
  expect_each_item_once(summary.journal_file, 6);
}

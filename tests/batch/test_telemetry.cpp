// Run telemetry: the histograms and counters a callback records with Context::observe() and
// Context::count(), as the run's Prometheus file carries them (checked by promtool too).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "batch_test_utils.hpp"
#include "output/files.hpp"
#include "output/run_telemetry.hpp"
#include "promtool.hpp"

using namespace leadscout::test::batch;
namespace lbd = leadscout::batch::detail;

namespace {

constexpr std::array<double, 3> kBounds{1.0, 4.0, 16.0};
const lb::Histogram kSizes{"test_sizes", "Sizes of things.", kBounds};

// The OpenTelemetry GenAI semantic conventions' bucket boundaries.
constexpr std::array<double, 14> kTokenBuckets{1,      4,       16,      64,       256,      1024,     4096,
                                               16384,  65536,   262144,  1048576,  4194304,  16777216, 67108864};
constexpr std::array<double, 14> kDurationBuckets{0.01, 0.02, 0.04, 0.08, 0.16,  0.32,  0.64,
                                                  1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
const lb::Histogram kTokenUsage{"gen_ai_client_token_usage", "Number of input and output tokens used.", kTokenBuckets};
const lb::Histogram kDuration{"gen_ai_client_operation_duration_seconds", "GenAI operation duration.",
                              kDurationBuckets};

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto p = text.find(part); p != std::string::npos; p = text.find(part, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(BatchTelemetry, NothingObservedWritesNothing) {
  const lbd::RunTelemetry t;
  EXPECT_EQ(t.prometheus(R"(operation="op")"), "");
  lb::ProgressSnapshot s;
  s.operation = "op";
  EXPECT_EQ(lbd::prometheus_text(s, {}, 0, &t), lbd::prometheus_text(s, {}, 0));
}

TEST(BatchTelemetry, BucketsAreCumulativeAValueOnABoundCountsInItAndAboveTheLastOnlyInInf) {
  lbd::RunTelemetry t;
  const std::array<lb::MetricLabel, 1> labels{{{"kind", "a"}}};
  for (double v : {0.5, 1.0, 3.0, 4.0, 100.0, -2.0}) t.observe(kSizes, labels, v);
  const std::string text = t.prometheus(R"(operation="op")");
  EXPECT_EQ(text,
            "# HELP test_sizes Sizes of things.\n"
            "# TYPE test_sizes histogram\n"
            "test_sizes_bucket{operation=\"op\",kind=\"a\",le=\"1\"} 3\n"
            "test_sizes_bucket{operation=\"op\",kind=\"a\",le=\"4\"} 5\n"
            "test_sizes_bucket{operation=\"op\",kind=\"a\",le=\"16\"} 5\n"
            "test_sizes_bucket{operation=\"op\",kind=\"a\",le=\"+Inf\"} 6\n"
            "test_sizes_sum{operation=\"op\",kind=\"a\"} 106.5\n"
            "test_sizes_count{operation=\"op\",kind=\"a\"} 6\n");
}

TEST(BatchTelemetry, TwoLabelSetsAreTwoSeriesAndLabelOrderDoesNotMakeAThird) {
  lbd::RunTelemetry t;
  const std::array<lb::MetricLabel, 2> input{{{"gen_ai_provider_name", "openai"}, {"gen_ai_token_type", "input"}}};
  const std::array<lb::MetricLabel, 2> output{{{"gen_ai_token_type", "output"}, {"gen_ai_provider_name", "openai"}}};
  const std::array<lb::MetricLabel, 2> output_reordered{{{"gen_ai_provider_name", "openai"}, {"gen_ai_token_type", "output"}}};
  t.observe(kTokenUsage, input, 120);
  t.observe(kTokenUsage, output, 30);
  t.observe(kTokenUsage, output_reordered, 20);
  const std::string text = t.prometheus(R"(operation="op",shard="0/2")");
  EXPECT_EQ(count_of(text, "# HELP gen_ai_client_token_usage "), 1U) << text;
  EXPECT_EQ(count_of(text, "# TYPE gen_ai_client_token_usage histogram\n"), 1U) << text;
  const std::string in = R"(operation="op",shard="0/2",gen_ai_provider_name="openai",gen_ai_token_type="input")";
  const std::string out = R"(operation="op",shard="0/2",gen_ai_provider_name="openai",gen_ai_token_type="output")";
  EXPECT_TRUE(has_line(text, "gen_ai_client_token_usage_bucket{" + in + ",le=\"64\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "gen_ai_client_token_usage_bucket{" + in + ",le=\"256\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "gen_ai_client_token_usage_sum{" + in + "} 120")) << text;
  EXPECT_TRUE(has_line(text, "gen_ai_client_token_usage_count{" + in + "} 1")) << text;
  EXPECT_TRUE(has_line(text, "gen_ai_client_token_usage_bucket{" + out + ",le=\"16\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "gen_ai_client_token_usage_bucket{" + out + ",le=\"64\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "gen_ai_client_token_usage_bucket{" + out + ",le=\"67108864\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "gen_ai_client_token_usage_bucket{" + out + ",le=\"+Inf\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "gen_ai_client_token_usage_sum{" + out + "} 50")) << text;
  EXPECT_TRUE(has_line(text, "gen_ai_client_token_usage_count{" + out + "} 2")) << text;
  EXPECT_EQ(count_of(text, "_count{"), 2U) << "two series: " << text;
}

TEST(BatchTelemetry, LabelValuesAndHelpAreEscaped) {
  lbd::RunTelemetry t;
  const std::array<lb::MetricLabel, 1> labels{{{"gen_ai_request_model", "a\"b\\c\nd"}}};
  t.count("test_calls_total", "Calls.\nA \\ second line.", labels, 1);
  const std::string text = t.prometheus(R"(operation="op")");
  EXPECT_TRUE(has_line(text, "# HELP test_calls_total Calls.\\nA \\\\ second line.")) << text;
  EXPECT_TRUE(has_line(text, R"(test_calls_total{operation="op",gen_ai_request_model="a\"b\\c\nd"} 1)")) << text;
}

TEST(BatchTelemetry, CountersAddUpPerLabelSet) {
  lbd::RunTelemetry t;
  const std::array<lb::MetricLabel, 2> to_anthropic{{{"from", "openai"}, {"to", "anthropic"}}};
  const std::array<lb::MetricLabel, 2> to_openai{{{"from", "anthropic"}, {"to", "openai"}}};
  t.count("leadscout_llm_failovers_total", "Calls moved to another endpoint.", to_anthropic, 1);
  t.count("leadscout_llm_failovers_total", "Calls moved to another endpoint.", to_anthropic, 2);
  t.count("leadscout_llm_failovers_total", "Calls moved to another endpoint.", to_openai, 0.5);
  t.count("test_declared_total", "Declared, never counted.", {}, 0);
  const std::string text = t.prometheus(R"(operation="op")");
  EXPECT_EQ(text,
            "# HELP leadscout_llm_failovers_total Calls moved to another endpoint.\n"
            "# TYPE leadscout_llm_failovers_total counter\n"
            "leadscout_llm_failovers_total{operation=\"op\",from=\"anthropic\",to=\"openai\"} 0.5\n"
            "leadscout_llm_failovers_total{operation=\"op\",from=\"openai\",to=\"anthropic\"} 3\n"
            "# HELP test_declared_total Declared, never counted.\n"
            "# TYPE test_declared_total counter\n"
            "test_declared_total{operation=\"op\"} 0\n");
}

TEST(BatchTelemetry, WhatTheExpositionCouldNotCarryIsRefused) {
  lbd::RunTelemetry t;
  const std::array<lb::MetricLabel, 1> ok{{{"kind", "a"}}};
  const auto refused = [&](const auto& call, const char* why) {
    EXPECT_THROW(call(), leadscout::Error) << why;
  };
  refused([&] { t.observe({"bad name", "h", kBounds}, ok, 1); }, "a space in the name");
  refused([&] { t.observe({"9lives", "h", kBounds}, ok, 1); }, "a digit first");
  refused([&] { t.count("leadscout_batch_items_total", "h", ok, 1); }, "a family the run writes");
  refused([&] { t.count("leadscout_quota_spent_usd", "h", ok, 1); }, "a family the run writes");
  const std::array<lb::MetricLabel, 1> operation{{{"operation", "x"}}};
  refused([&] { t.observe(kSizes, operation, 1); }, "the exposition adds operation");
  const std::array<lb::MetricLabel, 1> le{{{"le", "1"}}};
  refused([&] { t.observe(kSizes, le, 1); }, "le is the bucket's");
  const std::array<lb::MetricLabel, 1> bad_label{{{"a-b", "x"}}};
  refused([&] { t.count("test_total", "h", bad_label, 1); }, "a dash in a label name");
  const std::array<lb::MetricLabel, 2> twice{{{"kind", "a"}, {"kind", "b"}}};
  refused([&] { t.count("test_total", "h", twice, 1); }, "one label twice");
  constexpr std::array<double, 2> descending{4.0, 1.0};
  refused([&] { t.observe({"test_desc", "h", descending}, ok, 1); }, "descending buckets");
  constexpr std::array<double, 1> infinite{std::numeric_limits<double>::infinity()};
  refused([&] { t.observe({"test_inf", "h", infinite}, ok, 1); }, "+Inf is implied");
  refused([&] { t.observe(kSizes, ok, std::nan("")); }, "NaN");
  refused([&] { t.count("test_total", "h", ok, -1); }, "a counter never goes down");

  t.observe(kSizes, ok, 1);
  constexpr std::array<double, 2> other{1.0, 2.0};
  refused([&] { t.observe({"test_sizes", "h", other}, ok, 1); }, "other buckets for the same family");
  refused([&] { t.count("test_sizes", "h", ok, 1); }, "a histogram is not a counter");
  refused([&] { t.count("test_sizes_count", "h", ok, 1); }, "the histogram's own sample name");
  t.count("test_c_total", "h", ok, 1);
  refused([&] { t.observe({"test_c_total", "h", kBounds}, ok, 1); }, "a counter is not a histogram");
  EXPECT_EQ(count_of(t.prometheus(R"(operation="op")"), "# TYPE"), 2U) << "the refused calls left nothing behind";
}

namespace {

/// A run of 20 items on 4 threads whose callback records what an LLM client would: token usage
/// and duration for each call, a failover for every fifth item. Items 3 and 13 fail finally
/// after their call: a call that was made counts whatever the item's outcome.
lb::RunStats telemetry_run(const fs::path& dir, const std::string& operation) {
  auto opt = test_options(dir);
  opt.operation = operation;
  opt.concurrency = 4;
  lb::BackgroundProcessor<Item, int> proc(opt);
  return proc.run(make_items(20), [](const Item& item, lb::Context& ctx) -> lb::Outcome<int> {
    const std::string_view model = item.value % 2 == 0 ? "gpt-4o-mini" : "claude-3-5-haiku-latest";
    const std::array<lb::MetricLabel, 3> input{
        {{"gen_ai_provider_name", "openai"}, {"gen_ai_request_model", model}, {"gen_ai_token_type", "input"}}};
    const std::array<lb::MetricLabel, 3> output{
        {{"gen_ai_provider_name", "openai"}, {"gen_ai_request_model", model}, {"gen_ai_token_type", "output"}}};
    const std::array<lb::MetricLabel, 2> call{{{"gen_ai_provider_name", "openai"}, {"gen_ai_request_model", model}}};
    ctx.observe(kTokenUsage, input, 100 + item.value);
    ctx.observe(kTokenUsage, output, 16);
    ctx.observe(kDuration, call, 0.25);
    if (item.value % 5 == 0) {
      const std::array<lb::MetricLabel, 2> failover{{{"from", "openai"}, {"to", "anthropic"}}};
      ctx.count("leadscout_llm_failovers_total", "Calls moved to another endpoint.", failover);
    }
    if (item.value == 3 || item.value == 13) return lb::Failure{"invalid_answer", lb::Retry::no};
    return item.value;
  });
}

}  // namespace

TEST(BatchTelemetryRun, TheCallbacksHistogramsAndCountersAreInThePromFile) {
  TempDir dir;
  const lb::RunStats stats = telemetry_run(dir.path(), "telemetry_op");
  ASSERT_EQ(stats.status, lb::Status::completed) << stats.reason;
  EXPECT_EQ(stats.failed, 2U);
  const std::string prom = read_file(dir.path() / "progress" / "telemetry_op.prom");

  const std::string even = R"(operation="telemetry_op",gen_ai_provider_name="openai",)"
                           R"(gen_ai_request_model="gpt-4o-mini")";
  const std::string odd = R"(operation="telemetry_op",gen_ai_provider_name="openai",)"
                          R"(gen_ai_request_model="claude-3-5-haiku-latest")";
  EXPECT_EQ(count_of(prom, "# TYPE gen_ai_client_token_usage histogram\n"), 1U) << prom;
  EXPECT_EQ(count_of(prom, "# TYPE gen_ai_client_operation_duration_seconds histogram\n"), 1U) << prom;
  EXPECT_EQ(count_of(prom, "# TYPE leadscout_llm_failovers_total counter\n"), 1U) << prom;
  // Input tokens of items 0, 2, ..., 18: 100 + value, between 64 and 256, all 10 of them.
  EXPECT_TRUE(has_line(prom, "gen_ai_client_token_usage_bucket{" + even + R"(,gen_ai_token_type="input",le="64"} 0)"))
      << prom;
  EXPECT_TRUE(has_line(prom, "gen_ai_client_token_usage_bucket{" + even + R"(,gen_ai_token_type="input",le="256"} 10)"))
      << prom;
  EXPECT_TRUE(has_line(prom, "gen_ai_client_token_usage_sum{" + even + R"(,gen_ai_token_type="input"} 1090)")) << prom;
  EXPECT_TRUE(has_line(prom, "gen_ai_client_token_usage_count{" + odd + R"(,gen_ai_token_type="input"} 10)")) << prom;
  // 16 output tokens: on the bound 16.
  EXPECT_TRUE(has_line(prom, "gen_ai_client_token_usage_bucket{" + odd + R"(,gen_ai_token_type="output",le="16"} 10)"))
      << prom;
  EXPECT_TRUE(has_line(prom, "gen_ai_client_token_usage_bucket{" + odd + R"(,gen_ai_token_type="output",le="4"} 0)"))
      << prom;
  EXPECT_TRUE(has_line(prom, "gen_ai_client_operation_duration_seconds_bucket{" + even + R"(,le="0.32"} 10)")) << prom;
  EXPECT_TRUE(has_line(prom, "gen_ai_client_operation_duration_seconds_bucket{" + even + R"(,le="0.16"} 0)")) << prom;
  EXPECT_TRUE(has_line(prom, "gen_ai_client_operation_duration_seconds_sum{" + even + "} 2.5")) << prom;
  EXPECT_TRUE(has_line(prom, "gen_ai_client_operation_duration_seconds_count{" + odd + "} 10")) << prom;
  EXPECT_TRUE(has_line(prom, R"(leadscout_llm_failovers_total{operation="telemetry_op",from="openai",to="anthropic"} 4)"))
      << prom;
  // The run's own families are still there, once each.
  EXPECT_EQ(count_of(prom, "# TYPE leadscout_batch_items_total counter\n"), 1U);
  EXPECT_TRUE(has_line(prom, R"(leadscout_batch_items_total{operation="telemetry_op",status="failed"} 2)")) << prom;
}

TEST(BatchTelemetryRun, PromtoolAcceptsThePromFile) {
  const auto promtool = leadscout::test::find_promtool();
  ASSERT_FALSE(promtool.empty()) << leadscout::test::kPromtoolMissing;
  TempDir dir;
  const lb::RunStats stats = telemetry_run(dir.path(), "telemetry_op");
  ASSERT_EQ(stats.status, lb::Status::completed) << stats.reason;
  const fs::path prom = dir.path() / "progress" / "telemetry_op.prom";
  ASSERT_NE(read_file(prom).find("gen_ai_client_token_usage_bucket"), std::string::npos);
  const auto check = leadscout::test::promtool_check_metrics(promtool, prom, dir.path());
  EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << read_file(prom);

  // promtool does reject a broken exposition: the check above is not vacuous.
  const fs::path broken = dir.path() / "broken.prom";
  std::ofstream(broken) << read_file(prom) << "# TYPE gen_ai_client_token_usage histogram\n";
  EXPECT_NE(leadscout::test::promtool_check_metrics(promtool, broken, dir.path()).exit_code, 0);
}

TEST(BatchTelemetryRun, ObserveFromManyThreadsLosesNothing) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.concurrency = 8;
  lb::BackgroundProcessor<Item, int> proc(opt);
  const std::array<lb::MetricLabel, 1> labels{{{"kind", "a"}}};
  const auto stats = proc.run(make_items(400), [&](const Item& item, lb::Context& ctx) -> lb::Outcome<int> {
    for (int i = 0; i < 25; ++i) ctx.observe(kSizes, labels, 2.0);
    ctx.count("test_items_total", "Items.", labels);
    return item.value;
  });
  ASSERT_EQ(stats.status, lb::Status::completed);
  const std::string prom = read_file(dir.path() / "progress" / "test_op.prom");
  EXPECT_TRUE(has_line(prom, R"(test_sizes_count{operation="test_op",kind="a"} 10000)")) << prom;
  EXPECT_TRUE(has_line(prom, R"(test_sizes_sum{operation="test_op",kind="a"} 20000)")) << prom;
  EXPECT_TRUE(has_line(prom, R"(test_items_total{operation="test_op",kind="a"} 400)")) << prom;
}

TEST(BatchTelemetryRun, ARefusedObservationFailsTheAttemptNamingTheProblem) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.retry.max_attempts = 1;
  lb::BackgroundProcessor<Item, int> proc(opt);
  const std::array<lb::MetricLabel, 1> labels{{{"operation", "mine"}}};
  const auto stats = proc.run(make_items(1), [&](const Item& item, lb::Context& ctx) -> lb::Outcome<int> {
    ctx.observe(kSizes, labels, 1.0);
    return item.value;
  });
  ASSERT_EQ(stats.failures.size(), 1U);
  EXPECT_NE(stats.failures[0].reason.find("operation"), std::string::npos) << stats.failures[0].reason;
}

// The demo's command line: defaults, durations and rejected values.
#include <gtest/gtest.h>

#include "cli.hpp"

namespace {

using namespace std::chrono_literals;

/// Parses args; returns the CLI11 exit code (0 when parsing succeeded).
int parse(std::vector<std::string> args, demo::DemoOptions& o) {
  CLI::App app("demo_500_leads");
  demo::add_options(app, o);
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector reversed
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code();
  }
  return 0;
}

TEST(DemoCli, Defaults) {
  demo::DemoOptions o;
  ASSERT_EQ(parse({}, o), 0);
  EXPECT_EQ(o.leads, 500u);
  EXPECT_EQ(o.concurrency, 16u);
  EXPECT_EQ(o.operation, "logistics_demo");
  EXPECT_EQ(o.llm_latency_ms, 1800);
  EXPECT_EQ(o.item_timeout, 10s);
  EXPECT_EQ(o.deadline, 0ms);
  EXPECT_FALSE(o.fresh);
  EXPECT_EQ(o.output_path(), std::filesystem::path("results/logistics_demo.csv"));
}

TEST(DemoCli, ParsesEveryOption) {
  demo::DemoOptions o;
  ASSERT_EQ(parse({"--leads", "2000", "--seed", "7", "--concurrency", "4", "--item-timeout", "1500ms", "--deadline",
                   "2m", "--log-dir", "l", "--operation", "op-1", "--fresh", "--output", "out/r.jsonl",
                   "--llm-latency-ms", "5", "--llm-failure-rate", "0.5", "--llm-hang-rate", "0"},
                  o),
            0);
  EXPECT_EQ(o.leads, 2000u);
  EXPECT_EQ(o.seed, 7u);
  EXPECT_EQ(o.concurrency, 4u);
  EXPECT_EQ(o.item_timeout, 1500ms);
  EXPECT_EQ(o.deadline, 120s);
  EXPECT_EQ(o.log_dir, std::filesystem::path("l"));
  EXPECT_EQ(o.operation, "op-1");
  EXPECT_TRUE(o.fresh);
  EXPECT_EQ(o.output_path(), std::filesystem::path("out/r.jsonl"));
  EXPECT_EQ(o.llm_latency_ms, 5);
  EXPECT_EQ(o.llm_failure_rate, 0.5);
  EXPECT_EQ(o.llm_hang_rate, 0.0);
}

TEST(DemoCli, RejectsBadValues) {
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--leads", "abc"}, {"--leads", "0"}, {"--concurrency", "0"},
        {"--llm-failure-rate", "1.5"}, {"--item-timeout", "soon"}, {"--deadline", "-1s"}, {"--output", "r.txt"},
        {"--operation", "a/b"}, {"--bogus"}, {"--input", "/nonexistent/leads.csv"}}) {
    demo::DemoOptions o;
    EXPECT_NE(parse(bad, o), 0) << bad[0];
  }
}

TEST(DemoCli, BatchModeOptions) {
  demo::DemoOptions defaults;
  ASSERT_EQ(parse({}, defaults), 0);
  EXPECT_FALSE(defaults.llm_batch);
  EXPECT_FALSE(defaults.cancel_batches);
  EXPECT_EQ(defaults.batch_poll_interval, 60s);
  EXPECT_EQ(defaults.batch_requests, 10'000u);

  demo::DemoOptions o;
  ASSERT_EQ(parse({"--llm-batch", "--cancel-batches", "--batch-poll-interval", "250ms", "--batch-requests", "7"}, o), 0);
  EXPECT_TRUE(o.llm_batch);
  EXPECT_TRUE(o.cancel_batches);
  EXPECT_EQ(o.batch_poll_interval, 250ms);
  EXPECT_EQ(o.batch_requests, 7u);

  demo::DemoOptions alone;
  EXPECT_NE(parse({"--cancel-batches"}, alone), 0) << "--cancel-batches needs --llm-batch";
  demo::DemoOptions zero;
  EXPECT_NE(parse({"--llm-batch", "--batch-requests", "0"}, zero), 0);
}

TEST(DemoDurations, Units) {
  EXPECT_EQ(demo::parse_duration("90"), std::optional(90'000ms));
  EXPECT_EQ(demo::parse_duration("1.5s"), std::optional(1500ms));
  EXPECT_EQ(demo::parse_duration("250ms"), std::optional(250ms));
  EXPECT_EQ(demo::parse_duration("2m"), std::optional(120'000ms));
  EXPECT_EQ(demo::parse_duration("1h"), std::optional(3'600'000ms));
  EXPECT_EQ(demo::parse_duration("0"), std::optional(0ms));
  EXPECT_FALSE(demo::parse_duration(""));
  EXPECT_FALSE(demo::parse_duration("s"));
  EXPECT_FALSE(demo::parse_duration("5 s"));
  EXPECT_FALSE(demo::parse_duration("5d"));
}

}  // namespace

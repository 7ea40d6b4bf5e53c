// Filters, bounded counters, percentiles, the dedup rule and the console rendering.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "commands.hpp"
#include "reader.hpp"
#include "scanner.hpp"
#include "stats.hpp"

namespace lg = leadscout::logs_tool;

namespace {

// An event views into its line, so the lines are kept for the whole test program.
lg::Event parse(const std::string& line) {
  static std::deque<std::string> lines;
  lines.push_back(line);
  lg::Event e;
  EXPECT_EQ(lg::scan_line(lines.back(), e), lg::ScanError::none) << line;
  return e;
}

double exact_nearest_rank(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  rank = std::clamp<std::size_t>(rank, 1, v.size());
  return v[rank - 1];
}

}  // namespace

TEST(LogsStats, FilterConditions) {
  const auto e = parse(
      R"({"timestamp":"2025-07-06T10:30:15.123456Z","level":"warning","logger":"api.openai","event":"Slow call",)"
      R"("provider":"openai","latency_ms":1800,"name":"DIEMBY LUBAMBO","ok":false})");
  lg::FilterSpec f;
  f.prepare();
  EXPECT_TRUE(f.matches(e));

  f.min_level = lg::Level::warning;
  EXPECT_TRUE(f.matches(e));
  f.min_level = lg::Level::error;
  EXPECT_FALSE(f.matches(e));
  f.min_level.reset();

  f.loggers = {"api"};
  f.prepare();
  EXPECT_TRUE(f.matches(e)) << "`api` also matches `api.openai`";
  f.loggers = {"ap"};
  f.prepare();
  EXPECT_FALSE(f.matches(e)) << "`ap` is not a parent of `api.openai`";
  f.loggers = {"classification", "*.openai"};
  f.prepare();
  EXPECT_TRUE(f.matches(e));
  f.loggers.clear();
  f.prepare();

  f.since_us = lg::parse_timestamp("2025-07-06T10:30:15.123456Z");
  EXPECT_TRUE(f.matches(e)) << "--since is inclusive";
  f.since_us = lg::parse_timestamp("2025-07-06T10:30:15.123457Z");
  EXPECT_FALSE(f.matches(e));
  f.since_us.reset();
  f.until_us = lg::parse_timestamp("2025-07-06T10:30:15Z");
  EXPECT_FALSE(f.matches(e));
  f.until_us.reset();

  f.where = {{"provider", "openai"}, {"latency_ms", "1800"}, {"name", "DIEMBY LUBAMBO"}, {"ok", "false"}};
  EXPECT_TRUE(f.matches(e));
  f.where = {{"provider", "anthropic"}};
  EXPECT_FALSE(f.matches(e));
  f.where = {{"absent", ""}};
  EXPECT_FALSE(f.matches(e));
  f.where.clear();

  f.grep = "LUBAMBO";
  f.prepare();
  EXPECT_TRUE(f.matches(e));
  f.grep = "latency_ms\":1[0-9]{3}";
  f.prepare();
  EXPECT_FALSE(f.matches(e)) << "a substring unless --regex";
  f.regex = true;
  f.prepare();
  EXPECT_TRUE(f.matches(e));
  f.grep = "latency_ms\":2[0-9]{3}";
  f.prepare();
  EXPECT_FALSE(f.matches(e));
}

TEST(LogsStats, QuantilesAreExactForSmallCounts) {
  lg::QuantileSketch s;
  std::vector<double> v;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> d(1, 5000);
  for (int i = 0; i < 1000; ++i) {
    v.push_back(d(rng));
    s.add(v.back());
  }
  EXPECT_TRUE(s.exact());
  for (double q : {0.0, 0.5, 0.9, 0.99, 1.0}) EXPECT_EQ(s.quantile(q), exact_nearest_rank(v, q)) << q;
  EXPECT_EQ(s.max(), *std::max_element(v.begin(), v.end()));
  EXPECT_EQ(s.count(), 1000u);

  lg::QuantileSketch small;
  for (double x : {3.0, 1.0, 2.0, 4.0}) small.add(x);
  EXPECT_EQ(small.quantile(0.5), 2.0);
  EXPECT_EQ(small.quantile(0.9), 4.0);
  EXPECT_EQ(lg::QuantileSketch{}.quantile(0.5), 0.0);
}

TEST(LogsStats, QuantilesStayWithinRelativeErrorForLargeCounts) {
  lg::QuantileSketch s;
  std::vector<double> v;
  std::mt19937 rng(11);
  std::lognormal_distribution<double> d(7.0, 1.0);  // latencies around 1 s with a long tail
  for (int i = 0; i < 200000; ++i) {
    v.push_back(d(rng));
    s.add(v.back());
  }
  v.push_back(0.0);
  s.add(0.0);
  EXPECT_FALSE(s.exact());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double want = exact_nearest_rank(v, q);
    EXPECT_NEAR(s.quantile(q), want, want * lg::QuantileSketch::relative_error * 1.0001) << q;
  }
  EXPECT_EQ(s.quantile(1.0), *std::max_element(v.begin(), v.end()));
  EXPECT_EQ(s.min(), 0.0);
}

TEST(LogsStats, QuantilesHandleNegativeValues) {
  lg::QuantileSketch s;
  std::vector<double> v;
  for (int i = -3000; i <= 3000; ++i) {
    v.push_back(i * 0.5);
    s.add(i * 0.5);
  }
  for (double q : {0.1, 0.25, 0.5, 0.75}) {
    const double want = exact_nearest_rank(v, q);
    EXPECT_NEAR(s.quantile(q), want, std::fabs(want) * 0.0051 + 1e-12) << q;
  }
}

TEST(LogsStats, BoundedCounterCollapsesTheTail) {
  lg::BoundedCounter c;
  for (std::size_t i = 0; i < lg::BoundedCounter::max_keys + 5; ++i) c.add("k" + std::to_string(i));
  c.add("k0", 10);
  EXPECT_EQ(c.size(), lg::BoundedCounter::max_keys);
  const auto top = c.top(2);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].first, "k0");
  EXPECT_EQ(top[0].second, 11u);
  EXPECT_EQ(top[2].first, "(other)");
  EXPECT_EQ(top[2].second, 5u);
}

TEST(LogsStats, SummaryCounts) {
  lg::SummaryStats s;
  s.add(parse(R"({"timestamp":"2025-07-06T10:00:00Z","level":"info","logger":"production","event":"Start"})"));
  s.add(parse(R"({"timestamp":"2025-07-06T09:00:00Z","level":"error","logger":"api","event":"Provider unreachable"})"));
  s.add(parse(R"({"timestamp":"2025-07-06T11:00:00Z","level":"error","logger":"api","event":"Provider unreachable"})"));
  s.add(parse(R"({"timestamp":"2025-07-06T10:30:00Z","level":"warning","logger":"api","event":"Slow"})"));
  EXPECT_EQ(s.events, 4u);
  EXPECT_EQ(s.by_level[static_cast<std::size_t>(lg::Level::error)], 2u);
  EXPECT_EQ(s.first_us, *lg::parse_timestamp("2025-07-06T09:00:00Z"));
  EXPECT_EQ(s.last_us, *lg::parse_timestamp("2025-07-06T11:00:00Z"));
  const auto loggers = s.by_logger.top(10);
  ASSERT_EQ(loggers.size(), 2u);
  EXPECT_EQ(loggers[0], (std::pair<std::string, std::uint64_t>{"api", 3}));
  const auto errors = s.errors.top(10);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].second, 2u);
  EXPECT_EQ(s.warnings.top(10).size(), 1u);
}

TEST(LogsStats, PerfGroupsAndUsage) {
  lg::PerfStats p;
  p.by = "provider";
  p.add(parse(R"({"timestamp":"2025-07-06T10:00:00Z","level":"info","logger":"api","event":"LLM call","provider":"openai","tokens":100,"cost_usd":0.5,"latency_ms":10})"));
  p.add(parse(R"({"timestamp":"2025-07-06T10:00:01Z","level":"info","logger":"api","event":"LLM call","provider":"openai","prompt_tokens":30,"completion_tokens":20,"cost_usd":0.25,"latency_ms":30})"));
  p.add(parse(R"({"timestamp":"2025-07-06T10:00:02Z","level":"info","logger":"api","event":"LLM call","provider":"anthropic","latency_ms":20})"));
  p.add(parse(R"({"timestamp":"2025-07-06T10:00:03Z","level":"info","logger":"production","event":"Item processed","elapsed_ms":1840})"));
  p.add(parse(R"({"timestamp":"2025-07-06T10:00:04Z","level":"info","logger":"production","event":"Nothing to measure"})"));
  ASSERT_EQ(p.groups.size(), 3u);
  EXPECT_EQ(p.groups.at("openai").values.count(), 2u);
  EXPECT_EQ(p.groups.at("openai").values.max(), 30.0);
  EXPECT_EQ(p.groups.at("(none)").values.max(), 1840.0) << "elapsed_ms when latency_ms is absent";
  EXPECT_EQ(p.total_usage.calls, 2u);
  EXPECT_DOUBLE_EQ(p.total_usage.tokens, 150.0);
  EXPECT_DOUBLE_EQ(p.total_usage.prompt_tokens, 30.0);
  EXPECT_DOUBLE_EQ(p.total_usage.cost_usd, 0.75);
  EXPECT_EQ(p.measured, 4u);

  lg::PerfStats only;
  only.field = "elapsed_ms";
  only.add(parse(R"({"timestamp":"2025-07-06T10:00:02Z","level":"info","logger":"api","event":"LLM call","latency_ms":20})"));
  EXPECT_EQ(only.measured, 0u);
}

TEST(LogsStats, RoutesDedupCountsEachEventOnce) {
  std::vector<lg::InputFile> files(4);
  files[0].path = "logs/production/operations-2025-07-06.log";
  files[1].path = "logs/production/errors-2025-07-06.log";
  files[2].path = "logs/debug/api-calls-2025-07-06.log";
  files[3].path = "logs/debug/api-calls-2025-07-05.log.gz";
  for (auto& f : files) lg::classify(f);
  EXPECT_EQ(files[0].role, lg::FileRole::operations);
  EXPECT_EQ(files[2].role, lg::FileRole::api_calls);
  EXPECT_EQ(files[3].date, "2025-07-05");
  lg::mark_present(files);

  const auto error = parse(R"({"timestamp":"2025-07-06T10:00:00Z","level":"error","logger":"api","event":"x"})");
  EXPECT_TRUE(lg::counted_here(files[0], error));
  EXPECT_FALSE(lg::counted_here(files[1], error));
  EXPECT_FALSE(lg::counted_here(files[2], error));
  EXPECT_TRUE(lg::counted_here(files[3], error)) << "no operations file for 07-05";

  const auto debug = parse(R"({"timestamp":"2025-07-06T10:00:00Z","level":"debug","logger":"api.openai","event":"x"})");
  EXPECT_TRUE(lg::counted_here(files[2], debug));

  const auto progress_error = parse(R"({"timestamp":"2025-07-06T10:00:00Z","level":"error","logger":"progress","event":"x"})");
  EXPECT_TRUE(lg::counted_here(files[1], progress_error)) << "progress is not in operations";

  const auto custom = parse(R"({"timestamp":"2025-07-06T10:00:00Z","level":"info","logger":"billing","event":"x"})");
  EXPECT_TRUE(lg::counted_here(files[2], custom)) << "not a default route of api-calls: counted";
}

TEST(LogsStats, InstanceFilesAreClassifiedAndDedupedPerInstance) {
  std::vector<lg::InputFile> files(4);
  files[0].path = "logs/production/operations-2025-07-06.shard-1-of-4.log";
  files[1].path = "logs/production/errors-2025-07-06.shard-1-of-4.log.gz";
  files[2].path = "logs/production/errors-2025-07-06.web_2.log";
  files[3].path = "logs/production/errors-2025-07-06.not.an.instance.log";
  for (auto& f : files) lg::classify(f);
  EXPECT_EQ(files[0].role, lg::FileRole::operations);
  EXPECT_EQ(files[0].date, "2025-07-06");
  EXPECT_EQ(files[0].instance, "shard-1-of-4");
  EXPECT_EQ(files[1].role, lg::FileRole::errors);
  EXPECT_EQ(files[1].instance, "shard-1-of-4");
  EXPECT_EQ(files[2].instance, "web_2");
  EXPECT_EQ(files[3].role, lg::FileRole::other);
  EXPECT_EQ(files[3].instance, "");
  lg::mark_present(files);

  const auto error = parse(R"({"timestamp":"2025-07-06T10:00:00Z","level":"error","logger":"api","event":"x"})");
  EXPECT_TRUE(lg::counted_here(files[0], error));
  EXPECT_FALSE(lg::counted_here(files[1], error)) << "the same instance's operations file has it";
  EXPECT_TRUE(lg::counted_here(files[2], error)) << "web_2 has no operations file of its own";
}

TEST(LogsStats, PrettyRendering) {
  std::string out;
  lg::render_pretty(parse(R"({"timestamp":"2025-07-06T10:30:15.123456Z","level":"info","logger":"production",)"
                          R"("event":"Starting logistics lead processing","batch_size":500,"name":"DIEMBY LUBAMBO",)"
                          R"("empty":"","eq":"a=b","q":"say \"hi\"","nl":"a\nb","providers":["openai","anthropic"],)"
                          R"("ok":true,"none":null,"plain":"caf\u00e9"})"),
                    out);
  EXPECT_EQ(out,
            "2025-07-06T10:30:15Z INFO Starting logistics lead processing batch_size=500 "
            "name=\"DIEMBY LUBAMBO\" empty=\"\" eq=\"a=b\" q=\"say \\\"hi\\\"\" nl=\"a\\nb\" "
            "providers=[\"openai\",\"anthropic\"] ok=true none=null plain=caf\xc3\xa9");
  out.clear();
  lg::render_pretty(parse(R"({"timestamp":"2025-07-06T12:30:15.000001+02:00","level":"critical","logger":"api","event":"Down"})"), out);
  EXPECT_EQ(out, "2025-07-06T12:30:15+02:00 CRITICAL Down");
}

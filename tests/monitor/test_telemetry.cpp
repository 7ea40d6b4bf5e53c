// The monitor's /metrics over the .prom files of runs whose callbacks recorded histograms and
// counters (Context::observe(), Context::count()): each family once, and promtool accepts it.
#include <httplib.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "leadscout/batch.hpp"
#include "leadscout/monitor.hpp"
#include "promtool.hpp"
#include "utils.hpp"

namespace lm = leadscout::monitor;
namespace lb = leadscout::batch;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::array<double, 14> kTokenBuckets{1,      4,       16,      64,       256,      1024,     4096,
                                               16384,  65536,   262144,  1048576,  4194304,  16777216, 67108864};
const lb::Histogram kTokenUsage{"gen_ai_client_token_usage", "Number of input and output tokens used.", kTokenBuckets};

/// A completed run of `operation` in `dir` whose items record token usage; the second
/// operation also counts failovers, a family the first one's file does not have.
void run_operation(const fs::path& dir, const std::string& operation, bool failovers) {
  lb::Options opt;
  opt.operation = operation;
  opt.progress_dir = dir;
  opt.concurrency = 2;
  opt.handle_signals = false;
  opt.progress_bar = lb::ProgressBarMode::off;
  struct Item {
    int id;
  };
  const std::vector<Item> items{{1}, {2}, {3}, {4}, {5}, {6}};
  lb::BackgroundProcessor<Item, int> proc(opt);
  const auto summary = proc.run(items, [&](const Item& item, lb::Context& ctx) -> lb::Outcome<int> {
    const std::array<lb::MetricLabel, 2> labels{{{"gen_ai_provider_name", "openai"}, {"gen_ai_token_type", "input"}}};
    ctx.observe(kTokenUsage, labels, 100.0 * item.id);
    if (failovers) {
      const std::array<lb::MetricLabel, 1> from{{{"from", "openai"}}};
      ctx.count("leadscout_llm_failovers_total", "Calls moved to another endpoint.", from);
    }
    return item.id;
  });
  ASSERT_EQ(summary.status, lb::Status::completed);
}

}  // namespace

TEST(MonitorTelemetry, MergedMetricsKeepEachHistogramFamilyTogetherAndPromtoolAcceptsThem) {
  const auto promtool = leadscout::test::find_promtool();
  ASSERT_FALSE(promtool.empty()) << leadscout::test::kPromtoolMissing;
  leadscout::test::TempDir dir;
  run_operation(dir.path(), "first", false);
  run_operation(dir.path(), "second", true);

  lm::Options o;
  o.address = "127.0.0.1:0";
  o.progress_dir = dir.path();
  o.poll_interval = 0ms;
  lm::Server server(o);
  httplib::Client c("127.0.0.1", server.port());
  c.set_read_timeout(5, 0);
  const auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const std::string& body = r->body;

  // Each family: one HELP, one TYPE, its samples in one contiguous group after them.
  std::vector<std::string> order;
  std::multiset<std::string> types;
  for (const std::string& line : leadscout::test::split_lines(body)) {
    std::string family;
    if (line.rfind("# TYPE ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      types.insert(family);
    } else if (line.rfind("gen_ai_client_token_usage", 0) == 0) {
      family = "gen_ai_client_token_usage";
    } else {
      continue;
    }
    if (order.empty() || order.back() != family) order.push_back(family);
  }
  EXPECT_EQ(types.count("gen_ai_client_token_usage"), 1U) << body;
  EXPECT_EQ(types.count("leadscout_llm_failovers_total"), 1U) << body;
  EXPECT_EQ(std::set<std::string>(order.begin(), order.end()).size(), order.size()) << "a family split: " << body;
  for (const char* op : {"first", "second"}) {
    const std::string series = std::string(R"({operation=")") + op + R"(",gen_ai_provider_name="openai",gen_ai_token_type="input")";
    EXPECT_NE(body.find("gen_ai_client_token_usage_bucket" + series + R"(,le="1024"} 6)"), std::string::npos) << body;
    EXPECT_NE(body.find("gen_ai_client_token_usage_sum" + series + "} 2100"), std::string::npos) << body;
  }
  EXPECT_NE(body.find(R"(leadscout_llm_failovers_total{operation="second",from="openai"} 6)"), std::string::npos)
      << body;

  const fs::path merged = dir.path() / "merged.prom";
  std::ofstream(merged) << body;
  const auto check = leadscout::test::promtool_check_metrics(promtool, merged, dir.path());
  EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << body;
}

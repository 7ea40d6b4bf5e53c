// End to end: the real leadscout-logs binary on a fixture log tree (plain and .gz files,
// duplicates across files, corrupt lines, a truncated last line, invalid UTF-8), checking exit
// codes, stdout and stderr.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "logs_test_utils.hpp"

namespace lt = leadscout::test;

using lt::logs::count_lines;
using lt::logs::count_of;
using lt::logs::line;
using lt::logs::run_tool;

namespace {

// A log tree as leadscout's default routes write it, for 2025-07-05 (rotated, gzip) and
// 2025-07-06 (current), plus the progress files that must be skipped.
class LogsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto api_call = [](const std::string& ts, const std::string& provider, int latency, int tokens,
                             double cost) {
      return line(ts, "info", "api", "LLM call",
                  ",\"provider\":\"" + provider + "\",\"model\":\"m1\",\"tokens\":" + std::to_string(tokens) +
                      ",\"cost_usd\":" + std::to_string(cost) + ",\"latency_ms\":" + std::to_string(latency) +
                      ",\"outcome\":\"ok\"");
    };
    const std::string start = line("2025-07-06T10:30:15.123456Z", "info", "production",
                                   "Starting logistics lead processing", ",\"batch_size\":500");
    const std::string call1 = api_call("2025-07-06T10:30:16.000000Z", "openai", 1800, 100, 0.5);
    const std::string call2 = api_call("2025-07-06T10:30:17.000000Z", "anthropic", 900, 50, 0.25);
    const std::string call3 = api_call("2025-07-06T10:30:18.000000Z", "openai", 2000, 10, 0.125);
    const std::string failure = line("2025-07-06T10:30:19.000000Z", "error", "api", "Provider unreachable",
                                     ",\"provider\":\"openai\",\"exception\":\"std::runtime_error: boom\"");
    const std::string slow = line("2025-07-06T10:30:20.000000Z", "warning", "classification",
                                  "LLM fallback triggered", ",\"name\":\"DIEMBY LUBAMBO\",\"attempt\":2");
    const std::string done = line("2025-07-06T10:31:00.000000Z", "info", "production", "Item processed",
                                  ",\"elapsed_ms\":1840,\"providers\":[\"openai\",\"anthropic\"]");
    const std::string rule = line("2025-07-06T10:30:15.500000Z", "debug", "classification",
                                  "Rule classification attempt", ",\"name\":\"MOKGADI MOTALE\"");
    const std::string request = line("2025-07-06T10:30:15.900000Z", "debug", "api.openai", "LLM request");

    lt::logs::write_file(dir_ / "logs/production/operations-2025-07-06.log",
                          start + call1 + call2 + call3 + failure + slow + done);
    lt::logs::write_file(dir_ / "logs/production/errors-2025-07-06.log", failure);
    // api-calls: its debug line, the copies of the info/error api events, a corrupt line in the
    // middle and a truncated last line (the writer was cut off mid-line).
    lt::logs::write_file(dir_ / "logs/debug/api-calls-2025-07-06.log",
                          request + call1 + "this is not json\n" + call2 + call3 + failure +
                              "{\"timestamp\":\"2025-07-06T10:31:01.000000Z\",\"level\":\"in");
    lt::logs::write_file(dir_ / "logs/debug/classification-2025-07-06.log",
                          rule + slow + std::string("{\"timestamp\":\"2025-07-06T10:30:21Z\",\"level\":\"debug\","
                                                    "\"logger\":\"classification\",\"event\":\"bad \xff\xfe\"}\n") +
                              std::string("\x00\x01\x02garbage\x7f\n", 12));
    lt::logs::write_gz(dir_ / "logs/production/operations-2025-07-05.log.gz",
                        line("2025-07-05T23:59:59.000001Z", "critical", "api", "Provider down") +
                            line("2025-07-05T23:00:00Z", "info", "production", "Yesterday", ",\"elapsed_ms\":100"));
    lt::logs::write_gz(dir_ / "logs/production/errors-2025-07-05.log.gz",
                        line("2025-07-05T23:59:59.000001Z", "critical", "api", "Provider down"));
    lt::logs::write_file(dir_ / "logs/progress/current-operation.log",
                          "2025-07-06T10:30:15Z INFO Progress processed=1 total=5\n");
    lt::logs::write_file(dir_ / "logs/progress/logistics_demo.json", "{\"status\":\"running\"}\n");
  }

  lt::logs::RunResult run(const std::vector<std::string>& args) {
    return run_tool(args, work_.path(), dir_.path());
  }

  lt::logs::TempDir dir_;
  lt::logs::TempDir work_;
};

}  // namespace

TEST_F(LogsCli, SummaryCountsEachEventOnce) {
  const auto r = run({"summary"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Events      11"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 corrupt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2025-07-05T23:00:00.000000Z .. 2025-07-06T10:31:00.000000Z"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Provider unreachable"), std::string::npos);
  EXPECT_NE(r.out.find("LLM fallback triggered"), std::string::npos);
  EXPECT_NE(r.err.find("api-calls-2025-07-06.log:3: corrupt line skipped (not a JSON object)"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("api-calls-2025-07-06.log:7: corrupt line skipped (truncated JSON)"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("classification-2025-07-06.log:3: corrupt line skipped (invalid UTF-8)"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("classification-2025-07-06.log:4: corrupt line skipped"), std::string::npos)
      << r.err;
}

TEST_F(LogsCli, SummaryJson) {
  const auto r = run({"summary", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["events"], 11);
  EXPECT_EQ(j["corrupt_lines"], 4);
  EXPECT_EQ(j["levels"]["debug"], 2);
  EXPECT_EQ(j["levels"]["info"], 6);
  EXPECT_EQ(j["levels"]["warning"], 1);
  EXPECT_EQ(j["levels"]["error"], 1);
  EXPECT_EQ(j["levels"]["critical"], 1);
  EXPECT_EQ(j["time_range"]["first"], "2025-07-05T23:00:00.000000Z");
  EXPECT_EQ(j["time_range"]["last"], "2025-07-06T10:31:00.000000Z");
  ASSERT_EQ(j["top_errors"].size(), 2u);
  EXPECT_EQ(j["top_errors"][0]["count"], 1);
  EXPECT_EQ(j["top_warnings"][0]["event"], "LLM fallback triggered");
  EXPECT_EQ(j["top_warnings"][0]["logger"], "classification");
  EXPECT_EQ(j["loggers"][0]["logger"], "api");
  EXPECT_EQ(j["loggers"][0]["count"], 5) << "api.openai is a logger of its own";

  const auto all = nlohmann::json::parse(run({"summary", "--json", "--dedup", "none"}).out);
  EXPECT_EQ(all["events"], 11 + 7) << "every copy counted";
  const auto lines = nlohmann::json::parse(run({"summary", "--json", "--dedup", "lines"}).out);
  EXPECT_EQ(lines["events"], 11);
}

TEST_F(LogsCli, SummaryOfOneGzFile) {
  const auto r = run({"summary", "--json", "logs/production/operations-2025-07-05.log.gz"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["events"], 2);
  EXPECT_EQ(j["levels"]["critical"], 1);
}

TEST_F(LogsCli, FilterSelectsAndPrintsJsonLines) {
  auto r = run({"filter", "--level", "warning"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out), 3u) << r.out;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);) EXPECT_TRUE(nlohmann::json::accept(l)) << l;

  r = run({"filter", "--logger", "api", "--where", "provider=openai", "--where", "tokens=100"});
  EXPECT_EQ(count_lines(r.out), 1u) << r.out;
  EXPECT_NE(r.out.find("\"latency_ms\":1800"), std::string::npos);

  r = run({"filter", "--logger", "production", "logs/production"});
  EXPECT_EQ(count_lines(r.out), 3u) << "the path after --logger is a path:\n" << r.out << r.err;

  r = run({"filter", "--logger", "api"});
  EXPECT_EQ(count_lines(r.out), 6u) << "api and api.openai:\n" << r.out;

  r = run({"filter", "--since", "2025-07-06T10:30:17", "--until", "2025-07-06T10:30:19Z"});
  EXPECT_EQ(count_lines(r.out), 3u) << r.out;

  r = run({"filter", "--until", "2025-07-05"});
  EXPECT_EQ(count_lines(r.out), 2u) << "a date includes its whole day:\n" << r.out;

  r = run({"filter", "--grep", "LUBAMBO"});
  EXPECT_EQ(count_lines(r.out), 1u) << r.out;
  r = run({"filter", "--grep", "latency_ms\":(1800|900)\\b", "--regex"});
  EXPECT_EQ(count_lines(r.out), 2u) << r.out;
}

TEST_F(LogsCli, FilterPretty) {
  const auto r = run({"filter", "--pretty", "--logger", "production", "--since", "2025-07-06"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "2025-07-06T10:30:15Z INFO Starting logistics lead processing batch_size=500\n"
            "2025-07-06T10:31:00Z INFO Item processed elapsed_ms=1840 providers=[\"openai\",\"anthropic\"]\n");
}

TEST_F(LogsCli, PerfPercentilesAndUsage) {
  auto r = run({"perf", "--by", "provider", "--json", "--logger", "api"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["by"], "provider");
  ASSERT_EQ(j["groups"].size(), 2u);
  EXPECT_EQ(j["groups"][0]["group"], "anthropic");
  EXPECT_EQ(j["groups"][1]["group"], "openai");
  EXPECT_EQ(j["groups"][1]["count"], 2);
  EXPECT_EQ(j["groups"][1]["p50"], 1800.0);
  EXPECT_EQ(j["groups"][1]["p99"], 2000.0);
  EXPECT_EQ(j["groups"][1]["max"], 2000.0);
  EXPECT_EQ(j["usage"]["calls"], 3);
  EXPECT_EQ(j["usage"]["tokens"], 160.0);
  EXPECT_DOUBLE_EQ(j["usage"]["cost_usd"].get<double>(), 0.875);

  r = run({"perf"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("latency_ms|elapsed_ms by logger"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("production"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("LLM usage"), std::string::npos) << r.out;

  r = run({"perf", "--field", "elapsed_ms", "--by", "event", "--json"});
  j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["groups"].size(), 3u) << r.out;  // "LLM call" has usage only, no elapsed_ms
  EXPECT_EQ(j["groups"][0]["group"], "Item processed");
  EXPECT_EQ(j["groups"][0]["max"], 1840.0);
  EXPECT_EQ(j["groups"][1]["count"], 0);
}

TEST_F(LogsCli, MissingPathsAndBadUsageExitWithTwo) {
  auto r = run({"summary", "no-such-dir"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no-such-dir"), std::string::npos) << r.err;

  r = run({"filter", "logs/debug/nope-2025-07-06.log"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("logs/debug/nope-2025-07-06.log"), std::string::npos) << r.err;

  r = run({"filter", "--since", "last tuesday"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--since"), std::string::npos) << r.err;
  r = run({"filter", "--until", "2025-13-40"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--until"), std::string::npos) << r.err;
  r = run({"filter", "--level", "loud"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--level"), std::string::npos) << r.err;
  r = run({"filter", "--where", "novalue"});
  EXPECT_EQ(r.exit_code, 2);
  r = run({"filter", "--grep", "(", "--regex"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--grep"), std::string::npos) << r.err;
  r = run({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  r = run({});
  EXPECT_EQ(r.exit_code, 2);
  r = run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("percentiles"), std::string::npos) << r.out;
}

TEST_F(LogsCli, UnreadableFileIsAnErrorNamingIt) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  const auto f = dir_ / "logs/debug/classification-2025-07-06.log";
  std::filesystem::permissions(f, std::filesystem::perms::none);
  const auto r = run({"summary"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("classification-2025-07-06.log"), std::string::npos) << r.err;
}

TEST_F(LogsCli, ManyCorruptLinesAreSummarised) {
  std::string junk;
  for (int i = 0; i < 50; ++i) junk += "garbage " + std::to_string(i) + "\n";
  lt::logs::write_file(dir_ / "junk.log", junk);
  const auto r = run({"summary", "--json", "junk.log"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["corrupt_lines"], 50);
  EXPECT_EQ(count_of(r.err, "corrupt line skipped"), 10u) << r.err;
  EXPECT_NE(r.err.find("50 corrupt lines skipped in total"), std::string::npos) << r.err;
}

TEST_F(LogsCli, DamagedGzipIsReportedNotFatal) {
  std::string gz = lt::logs::read_file(dir_ / "logs/production/operations-2025-07-05.log.gz");
  lt::logs::write_file(dir_ / "cut.log.gz", gz.substr(0, gz.size() - 12));
  const auto r = run({"summary", "--json", "cut.log.gz"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(nlohmann::json::parse(r.out)["corrupt_lines"].get<int>(), 1) << r.err;
  EXPECT_NE(r.err.find("cut.log.gz"), std::string::npos) << r.err;
}

TEST_F(LogsCli, TailFollowExitsCleanlyOnSigterm) {
  const auto f = dir_ / "logs/debug/classification-2025-07-06.log";
  std::vector<std::string> args{LEADSCOUT_LOGS_BIN, "tail", "-f", "-n", "1", "--pretty",
                                "--interval", "0.02", "--today", "2025-07-06", "logs"};
  lt::logs::Child c(args, work_.path(), dir_.path());
  ASSERT_TRUE(c.wait_for_output("Item processed")) << c.out() << c.err();
  EXPECT_EQ(c.out().find("Rule classification attempt"), std::string::npos) << "-n 1";
  lt::logs::append_file(f, line("2025-07-06T10:40:00Z", "debug", "classification", "Phonetic match",
                                 ",\"name\":\"MOKGADI MOTALE\""));
  ASSERT_TRUE(c.wait_for_output("Phonetic match name=\"MOKGADI MOTALE\"")) << c.out();
  c.signal(SIGTERM);
  EXPECT_EQ(c.wait(), 0);
}

TEST_F(LogsCli, TailFollowExitsCleanlyOnSigint) {
  std::vector<std::string> args{LEADSCOUT_LOGS_BIN, "tail", "--follow", "--interval", "0.02",
                                "--today", "2025-07-06", "logs"};
  lt::logs::Child c(args, work_.path(), dir_.path());
  ASSERT_TRUE(c.wait_for_output("Item processed")) << c.out() << c.err();
  c.signal(SIGINT);
  EXPECT_EQ(c.wait(), 0);
}

// Four shards and one named instance writing into one tree on a shared volume, each to its own
// files; one shard's day was compressed and then written to again by a late writer.
TEST(LogsCliInstances, SummaryCountsEveryInstanceAndInstanceFilters) {
  lt::logs::TempDir dir;
  lt::logs::TempDir work;
  for (int shard = 0; shard < 4; ++shard) {
    const std::string name = ".shard-" + std::to_string(shard) + "-of-4.log";
    const std::string failure = line("2025-07-06T10:00:0" + std::to_string(shard) + "Z", "error", "api",
                                     "Provider unreachable", ",\"shard\":" + std::to_string(shard));
    lt::logs::write_file(dir / ("logs/production/operations-2025-07-06" + name),
                          line("2025-07-06T09:00:00Z", "info", "production", "start") + failure);
    lt::logs::write_file(dir / ("logs/production/errors-2025-07-06" + name), failure);
    lt::logs::write_file(dir / ("logs/debug/api-calls-2025-07-06" + name), failure);
  }
  lt::logs::write_gz(dir / "logs/production/operations-2025-07-05.shard-0-of-4.log.gz",
                      line("2025-07-05T23:00:00Z", "info", "production", "archived"));
  lt::logs::write_file(dir / "logs/production/operations-2025-07-05.shard-0-of-4.log",
                        line("2025-07-05T23:59:59Z", "info", "production", "late writer"));
  lt::logs::write_file(dir / "logs/production/operations-2025-07-06.web_1.log",
                        line("2025-07-06T11:00:00Z", "info", "production", "web"));

  const auto all = run_tool({"summary", "--json"}, work.path(), dir.path());
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const auto j = nlohmann::json::parse(all.out);
  EXPECT_EQ(j["events"], 4 * 2 + 2 + 1) << "each shard's error once, though it is in three files of its own";
  EXPECT_EQ(j["levels"]["error"], 4);
  EXPECT_EQ(j["time_range"]["first"], "2025-07-05T23:00:00.000000Z") << "the archive and the late file both count";

  const auto one = run_tool({"summary", "--json", "--instance", "shard-2-of-4"}, work.path(), dir.path());
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(nlohmann::json::parse(one.out)["events"], 2);
  const auto two = run_tool({"filter", "--instance", "shard-0-of-4", "--instance", "web_1"}, work.path(), dir.path());
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(count_lines(two.out), 2u + 2 + 1) << two.out;
  EXPECT_EQ(count_of(two.out, "late writer"), 1u);
}

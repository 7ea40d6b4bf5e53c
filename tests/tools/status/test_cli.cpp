// End to end: the real leadscout-status binary on fabricated progress directories, checking exit
// codes, stdout and stderr of the table, --json, --check and --watch.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "status_test_utils.hpp"
#include "utils.hpp"

namespace lt = leadscout::test;

namespace lb = leadscout::batch;
using lt::status::fixed_now_text;
using lt::status::RunResult;
using lt::status::snapshot;

namespace {

class StatusCli : public ::testing::Test {
 protected:
  /// Runs the tool on the progress dir with "now" pinned to fixed_now().
  RunResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--dir", progress_.string(), "--now", fixed_now_text});
    return lt::status::run_tool(args, work_.path());
  }

  std::filesystem::path write(const lb::ProgressSnapshot& s) { return lt::status::write_progress(progress_, s); }

  static lb::ProgressSnapshot sharded(lb::ProgressSnapshot s, std::uint32_t index, std::uint32_t count) {
    s.shard = lb::ShardSpec{index, count};
    return s;
  }

  leadscout::test::TempDir dir_;
  leadscout::test::TempDir work_;
  std::filesystem::path progress_ = dir_ / "progress";

  void SetUp() override { std::filesystem::create_directories(progress_); }
};

}  // namespace

TEST_F(StatusCli, CheckRunningAndFreshIsOk) {
  write(snapshot("logistics_demo", lb::Status::running, 120, 500));
  const auto r = run({"--check"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "LEADSCOUT OK - logistics_demo running 120/500 (24.0%), heartbeat 2s ago\n");
}

TEST_F(StatusCli, CheckStaleHeartbeatWarns) {
  write(snapshot("logistics_demo", lb::Status::running, 120, 500, std::chrono::seconds(95)));
  const auto r = run({"--check"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "LEADSCOUT WARNING - logistics_demo heartbeat 1m35s ago (stale after 1m00s)\n");
  EXPECT_EQ(run({"--check", "--stale-after", "120"}).exit_code, 0);
}

TEST_F(StatusCli, CheckFailureRateAboveThresholdWarns) {
  auto s = snapshot("logistics_demo", lb::Status::running, 100, 500);
  s.failed = 30;
  s.succeeded = 70;
  write(s);
  const auto r = run({"--check"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("failure rate 30.0% (30/100 failed) above 10.0%"), std::string::npos) << r.out;
  EXPECT_EQ(run({"--check", "--max-failure-rate", "0.5"}).exit_code, 0);
}

TEST_F(StatusCli, CheckCompletedWithFailedItemsWarns) {
  auto s = snapshot("logistics_demo", lb::Status::completed, 500, 500, std::chrono::hours(1));
  s.failed = 4;
  s.succeeded = 496;
  write(s);
  const auto r = run({"--check"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "LEADSCOUT WARNING - logistics_demo completed with 4 of 500 items failed\n");
  s.failed = 0;
  s.succeeded = 500;
  write(s);
  EXPECT_EQ(run({"--check"}).exit_code, 0);
}

TEST_F(StatusCli, CheckFailedIsCritical) {
  auto s = snapshot("logistics_demo", lb::Status::failed, 60, 500);
  s.reason = "halt: failure rate 0.62 over the last 50 items";
  write(s);
  const auto r = run({"--check"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "LEADSCOUT CRITICAL - logistics_demo failed: halt: failure rate 0.62 over the last 50 items\n");
}

TEST_F(StatusCli, CheckRunningWithDeadPidOnThisHostIsCritical) {
  auto s = snapshot("logistics_demo", lb::Status::running, 60, 500);
  s.pid = lt::status::dead_pid();
  write(s);
  const auto r = run({"--check"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("LEADSCOUT CRITICAL - logistics_demo running but pid " + std::to_string(s.pid) +
                       " is gone on " + s.host),
            std::string::npos)
      << r.out;
}

TEST_F(StatusCli, CheckRunningWithDeadPidOnAnotherHostIsNotCritical) {
  auto s = snapshot("logistics_demo", lb::Status::running, 60, 500);
  s.pid = lt::status::dead_pid();
  s.host = "another-" + s.host;
  write(s);
  const auto r = run({"--check"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto table = run({});
  EXPECT_NE(table.out.find(std::to_string(s.pid) + " ?"), std::string::npos) << table.out;
}

TEST_F(StatusCli, CheckWithoutProgressFileIsUnknown) {
  lt::status::write_raw(progress_ / "batch-status.json",
                         nlohmann::json(snapshot("logistics_demo", lb::Status::running, 1, 5)).dump());
  lt::status::write_raw(progress_ / "logistics_demo.prom", "leadscout_batch_in_flight 1\n");
  lt::status::write_raw(progress_ / "logistics_demo.checkpoint.jsonl", "{}\n");
  auto r = run({"--check"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.out, "LEADSCOUT UNKNOWN - no progress file in " + progress_.string() + "\n");

  write(snapshot("other", lb::Status::running, 1, 5));
  r = run({"--check", "logistics_demo"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.out, "LEADSCOUT UNKNOWN - no progress file for operation logistics_demo in " + progress_.string() + "\n");
  EXPECT_EQ(run({"--check", "other"}).exit_code, 0);
}

TEST_F(StatusCli, MissingDirectoryIsNamed) {
  const auto missing = (dir_ / "nowhere").string();
  const auto check = lt::status::run_tool({"--dir", missing, "--check"}, work_.path());
  EXPECT_EQ(check.exit_code, 3);
  EXPECT_EQ(check.out, "LEADSCOUT UNKNOWN - progress directory " + missing + " does not exist\n");
  const auto table = lt::status::run_tool({"--dir", missing}, work_.path());
  EXPECT_EQ(table.exit_code, 2);
  EXPECT_NE(table.err.find("progress directory " + missing + " does not exist"), std::string::npos) << table.err;
  const auto watch = lt::status::run_tool({"--dir", missing, "--watch"}, work_.path());
  EXPECT_EQ(watch.exit_code, 2);
  EXPECT_NE(watch.err.find(missing), std::string::npos) << watch.err;
}

TEST_F(StatusCli, CorruptFilesAreNamedNeverACrash) {
  const auto good = write(snapshot("logistics_demo", lb::Status::running, 120, 500));
  const std::string text = lt::status::read_file(good);
  lt::status::write_raw(progress_ / "torn.json", text.substr(0, text.size() / 2));
  auto r = run({"--check"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("LEADSCOUT UNKNOWN - unreadable progress file " + (progress_ / "torn.json").string() +
                            ": not valid JSON",
                        0),
            0u)
      << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one line";

  std::filesystem::remove(progress_ / "torn.json");
  lt::status::write_raw(progress_ / "junk.json", std::string("\x7f" "ELF\x00\x01 garbage", 14));
  r = run({"--check"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("junk.json"), std::string::npos) << r.out;

  // The table still shows the readable operations; the bad file is named on stderr.
  r = run({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("logistics_demo"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find((progress_ / "junk.json").string() + ": not valid JSON"), std::string::npos) << r.err;

  lt::status::write_raw(progress_ / "junk.json", "");
  r = run({"--json"});
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["errors"][0]["error"], "empty file (half-written?)");
  EXPECT_EQ(j["operations"].size(), 1u);
}

TEST_F(StatusCli, TableRowPerOperationWithDurations) {
  auto running = snapshot("logistics_demo", lb::Status::running, 120, 500, std::chrono::seconds(65));
  running.eta_seconds = 2 * 3600 + 3 * 60 + 10;
  running.rate_per_second = 8.14;
  write(running);
  auto done = snapshot("nightly_import", lb::Status::completed, 500, 500, std::chrono::hours(5));
  done.eta_seconds.reset();
  done.pid = lt::status::dead_pid();
  write(done);
  const auto r = run({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = leadscout::test::split_lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0].rfind("OPERATION", 0), 0u);
  for (const char* part : {"logistics_demo", "running", "120/500", "24.0%", "8.1/s", "2h03m", "1m05s ago",
                           "alive"}) {
    EXPECT_NE(lines[1].find(part), std::string::npos) << part << " in " << lines[1];
  }
  for (const char* part : {"nightly_import", "completed", "500/500", "100.0%", "5h00m ago", "exited"}) {
    EXPECT_NE(lines[2].find(part), std::string::npos) << part << " in " << lines[2];
  }
  EXPECT_NE(lines[2].find("  -  "), std::string::npos) << "ETA - when null: " << lines[2];

  const auto one = run({"nightly_import"});
  EXPECT_EQ(leadscout::test::split_lines(one.out).size(), 2u) << one.out;
  const auto none = run({"nope"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no progress file for operation nope"), std::string::npos) << none.err;
}

TEST_F(StatusCli, ShardsAreSummedAndListed) {
  write(sharded(snapshot("logistics_demo", lb::Status::running, 100, 200), 0, 3));
  write(sharded(snapshot("logistics_demo", lb::Status::running, 50, 200), 1, 3));
  write(sharded(snapshot("logistics_demo", lb::Status::completed, 150, 150), 2, 3));
  auto r = run({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = leadscout::test::split_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_NE(lines[1].find("logistics_demo [3 shards]"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("300/550"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("54.5%"), std::string::npos) << lines[1];

  r = run({"--shards"});
  lines = leadscout::test::split_lines(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[2].rfind("  shard 0/3", 0), 0u) << r.out;
  EXPECT_NE(lines[2].find("100/200"), std::string::npos);
  EXPECT_EQ(lines[3].rfind("  shard 1/3", 0), 0u);
  EXPECT_NE(lines[3].find("50/200"), std::string::npos);
  EXPECT_EQ(lines[4].rfind("  shard 2/3", 0), 0u);
  EXPECT_NE(lines[4].find("completed"), std::string::npos);

  EXPECT_EQ(run({"--check"}).out, "LEADSCOUT OK - logistics_demo running 300/550 (54.5%) [3 shards], heartbeat 2s ago\n");
}

TEST_F(StatusCli, JsonParsesAndSums) {
  write(sharded(snapshot("logistics_demo", lb::Status::running, 100, 200), 0, 2));
  write(sharded(snapshot("logistics_demo", lb::Status::running, 50, 200), 1, 2));
  write(snapshot("nightly_import", lb::Status::completed, 5, 5));
  const auto r = run({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["now"], fixed_now_text);
  EXPECT_EQ(j["dir"], progress_.string());
  ASSERT_EQ(j["operations"].size(), 2u);
  const auto& op = j["operations"][0];
  EXPECT_EQ(op["operation"], "logistics_demo");
  EXPECT_EQ(op["status"], "running");
  EXPECT_EQ(op["processed"], 150);
  EXPECT_EQ(op["total"], 400);
  EXPECT_DOUBLE_EQ(op["percentage"].get<double>(), 37.5);
  EXPECT_DOUBLE_EQ(op["rate_per_second"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(op["eta_seconds"].get<double>(), 75.0);
  EXPECT_DOUBLE_EQ(op["heartbeat_age_seconds"].get<double>(), 2.0);
  EXPECT_EQ(op["pid_alive"], true);
  EXPECT_EQ(op["shard_count"], 2);
  ASSERT_EQ(op["files"].size(), 2u);
  EXPECT_EQ(op["files"][0]["shard"]["index"], 0);
  EXPECT_EQ(op["files"][1]["processed"], 50);
  EXPECT_TRUE(j["operations"][1]["eta_seconds"].is_null());
  EXPECT_TRUE(j["operations"][1]["shard_count"].is_null());
  EXPECT_TRUE(j["errors"].empty());
}

TEST_F(StatusCli, AStreamedInputNotAtItsEndShowsItsEstimateOrAQuestionMark) {
  auto streaming = [](lb::ProgressSnapshot s, std::optional<std::uint64_t> expected) {
    s.total_known = false;
    s.expected_total = expected;
    return s;
  };
  write(sharded(streaming(snapshot("stream_op", lb::Status::running, 100, 100), 1000), 0, 2));
  write(sharded(snapshot("stream_op", lb::Status::completed, 300, 300), 1, 2));
  auto r = run({"--shards"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("400/~1300"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("100/~1000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("30.7%"), std::string::npos) << r.out;
  auto j = nlohmann::json::parse(run({"--json"}).out);
  EXPECT_TRUE(j["operations"][0]["total"].is_null()) << j.dump();
  EXPECT_EQ(j["operations"][0]["expected_total"], 1300);

  write(sharded(streaming(snapshot("stream_op", lb::Status::running, 100, 100), std::nullopt), 0, 2));
  r = run({});
  EXPECT_NE(r.out.find("400/?"), std::string::npos) << r.out;
  j = nlohmann::json::parse(run({"--json"}).out);
  EXPECT_TRUE(j["operations"][0]["expected_total"].is_null());
}

TEST_F(StatusCli, WatchEndsWhenTheRunCompletes) {
  // A live run by this (alive) process; real time, since --watch redraws as time goes by.
  const auto now_snapshot = [](lb::Status status, std::uint64_t processed) {
    auto s = snapshot("logistics_demo", status, processed, 500);
    s.timestamp = lb::detail::iso8601(std::chrono::system_clock::now());
    return s;
  };
  write(now_snapshot(lb::Status::running, 120));
  lt::status::Child c({"--dir", progress_.string(), "--watch", "--interval", "0.1"}, work_.path());
  ASSERT_TRUE(c.wait_for_output("running")) << c.out() << c.err();

  std::atomic<bool> stop{false};
  std::thread writer([&] {
    // Keep the file moving for a few redraws, then complete it, atomically each time.
    for (std::uint64_t n = 130; n < 200 && !stop; n += 10) {
      write(now_snapshot(lb::Status::running, n));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    write(now_snapshot(lb::Status::completed, 500));
  });
  const int code = c.wait(std::chrono::seconds(15));
  stop = true;
  writer.join();
  EXPECT_EQ(code, 0) << c.out() << c.err();
  const std::string out = c.out();
  const auto end_marker = out.rfind("every operation has ended");
  ASSERT_NE(end_marker, std::string::npos) << out;
  const std::string last_block = out.substr(end_marker);
  EXPECT_NE(last_block.find("completed"), std::string::npos) << out;
  EXPECT_NE(last_block.find("500/500"), std::string::npos) << out;
  EXPECT_GE(leadscout::test::split_lines(out).size(), 6u) << "a new block per interval when not a terminal";
  EXPECT_EQ(out.find("\x1b["), std::string::npos) << "no escape codes when stdout is not a terminal";
}

TEST_F(StatusCli, WatchWaitsForTheFileAndStopsWhenTheProcessIsGone) {
  lt::status::Child c({"--dir", progress_.string(), "--watch", "--interval", "0.1", "logistics_demo"},
                       work_.path());
  ASSERT_TRUE(c.wait_for_output("waiting for the progress file of logistics_demo")) << c.out() << c.err();
  auto s = snapshot("logistics_demo", lb::Status::running, 120, 500);
  s.timestamp = lb::detail::iso8601(std::chrono::system_clock::now());
  s.pid = lt::status::dead_pid();
  write(s);
  EXPECT_EQ(c.wait(std::chrono::seconds(15)), 1) << c.out() << c.err();
  EXPECT_NE(c.out().find("a process is gone"), std::string::npos) << c.out();
  std::string row;
  for (const auto& line : leadscout::test::split_lines(c.out())) {
    if (line.rfind("logistics_demo", 0) == 0) row = line;  // the last table row
  }
  EXPECT_NE(row.find(std::to_string(s.pid) + " GONE"), std::string::npos) << row;
  EXPECT_NE(row.find("  -  "), std::string::npos) << "no ETA for a run whose process is gone: " << row;
}

TEST_F(StatusCli, BadUsage) {
  EXPECT_EQ(run({"--bogus"}).exit_code, 2);
  EXPECT_EQ(run({"--check", "--bogus"}).exit_code, 3) << "UNKNOWN for a monitoring system";
  EXPECT_EQ(run({"--stale-after", "5"}).exit_code, 2) << "--stale-after needs --check";
  EXPECT_EQ(run({"--watch", "--check"}).exit_code, 3);
  EXPECT_EQ(run({"--check", "--max-failure-rate", "2"}).exit_code, 3);
  const auto help = run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--check"), std::string::npos);
  EXPECT_EQ(help.out.find("--now"), std::string::npos) << "hidden";
}

namespace {

/// A plain HTTP/1.0 GET on 127.0.0.1:port; returns the whole response.
std::string http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response;
}

}  // namespace

TEST_F(StatusCli, ServeShowsEveryOperationOfTheDirectoryUntilSigterm) {
  auto a = snapshot("logistics_demo", lb::Status::running, 120, 500);
  a.timestamp = lb::detail::iso8601(std::chrono::system_clock::now());
  write(a);
  write(sharded(snapshot("other_batch", lb::Status::completed, 10, 10), 0, 2));
  lt::status::Child c({"--dir", progress_.string(), "--serve", "127.0.0.1:0"}, work_.path());
  ASSERT_TRUE(c.wait_for_output("serving")) << c.out() << c.err();
  const std::string out = c.out();
  const auto colon = out.find(':', out.find("http://127.0.0.1") + 7);
  const int port = std::stoi(out.substr(colon + 1));
  ASSERT_GT(port, 0) << out;

  const std::string progress = http_get(port, "/progress");
  ASSERT_NE(progress.find("200"), std::string::npos) << progress;
  const auto body = nlohmann::json::parse(progress.substr(progress.find("\r\n\r\n") + 4));
  std::vector<std::string> operations;
  for (const auto& op : body) operations.push_back(op["operation"]);
  std::sort(operations.begin(), operations.end());
  EXPECT_EQ(operations, (std::vector<std::string>{"logistics_demo", "other_batch"})) << "every process's files";
  EXPECT_NE(http_get(port, "/").find("<html"), std::string::npos) << "the dashboard";
  EXPECT_NE(http_get(port, "/readyz").find("200 OK"), std::string::npos);

  ::kill(c.pid(), SIGTERM);
  EXPECT_EQ(c.wait(std::chrono::seconds(10)), 0) << c.err();
}

TEST_F(StatusCli, ServeOnANonLoopbackAddressWithoutTokenIsRefused) {
  lt::status::Child c({"--dir", progress_.string(), "--serve", "0.0.0.0:0"}, work_.path());
  EXPECT_EQ(c.wait(std::chrono::seconds(10)), 2);
  EXPECT_NE(c.err().find("--serve 0.0.0.0:0"), std::string::npos) << c.err();
}

// Unit tests of leadscout-status' core: file names, time parsing, durations, shard sums, the
// health check with a fake process probe, and rendering.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <variant>

#include "duration_text.hpp"
#include "status.hpp"
#include "status_test_utils.hpp"
#include "utils.hpp"

namespace lt = leadscout::test;

namespace ls = leadscout::status;
namespace lb = leadscout::batch;
using lt::status::fixed_now;
using lt::status::snapshot;

namespace {

ls::ShardFile file_of(const lb::ProgressSnapshot& s) {
  ls::ShardFile f;
  f.file = lb::progress_files("progress", s.operation, s.shard).progress;
  f.name = {s.operation, s.shard};
  f.snapshot = s;
  f.heartbeat = *ls::parse_iso8601(s.timestamp);
  return f;
}

lb::ProgressSnapshot shard(lb::ProgressSnapshot s, std::uint32_t index, std::uint32_t count) {
  s.shard = lb::ShardSpec{index, count};
  return s;
}

/// A probe that answers from a table keyed by pid; anything else is alive.
ls::Environment env_with(std::map<std::int64_t, ls::PidState> pids = {}) {
  ls::Environment env{fixed_now()};
  env.probe = [pids](std::string_view, std::int64_t pid) {
    const auto it = pids.find(pid);
    return it == pids.end() ? ls::PidState::alive : it->second;
  };
  return env;
}

ls::CheckResult check(const std::vector<lb::ProgressSnapshot>& snapshots, const ls::Environment& env,
                      ls::CheckOptions options = {}, std::vector<ls::FileError> errors = {}) {
  ls::ScanResult scan;
  for (const auto& s : snapshots) scan.files.push_back(file_of(s));
  scan.errors = std::move(errors);
  const auto rows = ls::aggregate(scan.files, env);
  return ls::evaluate_check(scan, rows, options, env, "logs/progress", "");
}

}  // namespace

TEST(StatusNames, ProgressFilesOnly) {
  const auto plain = ls::parse_progress_name("logistics_demo.json");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->operation, "logistics_demo");
  EXPECT_FALSE(plain->shard);

  const auto sharded = ls::parse_progress_name("logistics_demo.shard-1-of-3.json");
  ASSERT_TRUE(sharded);
  EXPECT_EQ(sharded->operation, "logistics_demo");
  ASSERT_TRUE(sharded->shard);
  EXPECT_EQ(sharded->shard->index, 1u);
  EXPECT_EQ(sharded->shard->count, 3u);

  const auto dotted = ls::parse_progress_name("import.v2.json");
  ASSERT_TRUE(dotted);
  EXPECT_EQ(dotted->operation, "import.v2");

  for (const char* skipped : {"batch-status.json", "logistics_demo.prom", "logistics_demo.checkpoint.jsonl",
                              "logistics_demo.json.tmp.4242", ".logistics_demo.json", "current-operation.log",
                              ".json", "notes.txt"}) {
    EXPECT_FALSE(ls::parse_progress_name(skipped)) << skipped;
  }
  // An out-of-range shard suffix is not a shard: the whole stem is the operation.
  const auto odd = ls::parse_progress_name("op.shard-3-of-3.json");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->operation, "op.shard-3-of-3");
  EXPECT_FALSE(odd->shard);
}

TEST(StatusTime, ParsesTheProcessorsTimestamps) {
  using namespace std::chrono;
  EXPECT_EQ(ls::parse_iso8601("2025-07-06T10:30:15Z"), fixed_now());
  EXPECT_EQ(ls::parse_iso8601("2025-07-06T10:30:13.250Z"), fixed_now() - milliseconds(1750));
  EXPECT_EQ(ls::parse_iso8601("2025-07-06T12:30:15+02:00"), fixed_now());
  EXPECT_EQ(ls::parse_iso8601("2025-07-06 06:30:15-04:00"), fixed_now());
  EXPECT_EQ(ls::parse_iso8601("2025-07-06T10:30:15-02:00"), fixed_now() + hours(2));
  EXPECT_EQ(ls::parse_iso8601(lb::detail::iso8601(fixed_now() + milliseconds(7))), fixed_now() + milliseconds(7));
  for (const char* bad : {"", "2025-07-06", "2025-13-06T10:30:15Z", "2025-02-30T10:30:15Z", "2025-07-06T25:30:15Z",
                          "2025-07-06T10:30:15.Z", "2025-07-06T10:30:15Q", "yesterday at noon"}) {
    EXPECT_FALSE(ls::parse_iso8601(bad)) << bad;
  }
  EXPECT_EQ(ls::format_iso8601(fixed_now() + milliseconds(900)), "2025-07-06T10:30:15Z");
}

TEST(StatusFormat, Durations) {
  EXPECT_EQ(leadscout::common::format_short_duration(0), "0s");
  EXPECT_EQ(leadscout::common::format_short_duration(-5), "0s");
  EXPECT_EQ(leadscout::common::format_short_duration(2.9), "2s");
  EXPECT_EQ(leadscout::common::format_short_duration(59.99), "59s");
  EXPECT_EQ(leadscout::common::format_short_duration(60), "1m00s");
  EXPECT_EQ(leadscout::common::format_short_duration(65), "1m05s");
  EXPECT_EQ(leadscout::common::format_short_duration(3599), "59m59s");
  EXPECT_EQ(leadscout::common::format_short_duration(2 * 3600 + 3 * 60 + 59), "2h03m");
  EXPECT_EQ(leadscout::common::format_short_duration(86400 + 3600 + 1), "1d01h");
}

TEST(StatusAggregate, CombinedStatus) {
  using S = lb::Status;
  EXPECT_EQ(ls::combine_status({S::completed, S::completed}), S::completed);
  EXPECT_EQ(ls::combine_status({S::completed, S::running}), S::running);
  EXPECT_EQ(ls::combine_status({S::starting, S::starting}), S::starting);
  EXPECT_EQ(ls::combine_status({S::starting, S::running}), S::running);
  EXPECT_EQ(ls::combine_status({S::running, S::failed}), S::failed);
  EXPECT_EQ(ls::combine_status({S::completed, S::interrupted}), S::interrupted);
  EXPECT_EQ(ls::combine_status({S::interrupted, S::deadline_exceeded}), S::deadline_exceeded);
}

TEST(StatusAggregate, ShardsAreSummedIntoOneRow) {
  auto a = shard(snapshot("op", lb::Status::running, 10, 100, std::chrono::seconds(1)), 0, 3);
  auto b = shard(snapshot("op", lb::Status::running, 50, 100, std::chrono::seconds(7)), 1, 3);
  auto c = shard(snapshot("op", lb::Status::completed, 100, 100, std::chrono::seconds(30)), 2, 3);
  a.failed = 2;
  a.succeeded = 8;
  a.pid = 11;
  b.pid = 12;
  b.retried = 4;
  c.pid = 13;
  c.eta_seconds.reset();
  const std::vector<ls::ShardFile> files{file_of(a), file_of(b), file_of(c), file_of(snapshot("other", lb::Status::completed, 5, 5))};
  const auto rows = ls::aggregate(files, env_with({{13, ls::PidState::dead}}));
  ASSERT_EQ(rows.size(), 2u);
  const auto& op = rows[0];
  EXPECT_EQ(op.operation, "op");
  EXPECT_EQ(op.status, lb::Status::running);
  EXPECT_EQ(op.shard_count, 3u);
  ASSERT_EQ(op.shards.size(), 3u);
  EXPECT_EQ(op.processed, 160u);
  EXPECT_EQ(op.total, 300u);
  EXPECT_EQ(op.succeeded, 158u);
  EXPECT_EQ(op.failed, 2u);
  EXPECT_EQ(op.retried, 4u);
  EXPECT_DOUBLE_EQ(op.percentage, 53.3);
  EXPECT_DOUBLE_EQ(op.rate_per_second, 4.0) << "only the shards at work";
  ASSERT_TRUE(op.eta_seconds);
  EXPECT_DOUBLE_EQ(*op.eta_seconds, 45.0) << "the slowest shard's";
  EXPECT_DOUBLE_EQ(op.heartbeat_age_seconds, 30.0) << "the oldest heartbeat";
  EXPECT_EQ(op.pid, ls::PidState::alive) << "the completed shard's process may be gone";
  EXPECT_EQ(rows[1].operation, "other");
  EXPECT_EQ(rows[1].shard_count, 0u);
}

TEST(StatusAggregate, EtaUnknownWhenAnActiveShardHasNone) {
  auto a = shard(snapshot("op", lb::Status::running, 10, 100), 0, 2);
  auto b = shard(snapshot("op", lb::Status::starting, 0, 100), 1, 2);
  const std::vector<ls::ShardFile> files{file_of(a), file_of(b)};
  const auto rows = ls::aggregate(files, env_with());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].eta_seconds);
  EXPECT_EQ(rows[0].status, lb::Status::running);
}

TEST(StatusAggregate, DeadShardProcessMakesTheRowDead) {
  auto a = shard(snapshot("op", lb::Status::running, 10, 100), 0, 2);
  auto b = shard(snapshot("op", lb::Status::running, 10, 100), 1, 2);
  b.pid = 99;
  const std::vector<ls::ShardFile> files{file_of(a), file_of(b)};
  EXPECT_EQ(ls::aggregate(files, env_with({{99, ls::PidState::dead}}))[0].pid, ls::PidState::dead);
  EXPECT_EQ(ls::aggregate(files, env_with({{99, ls::PidState::unknown}}))[0].pid, ls::PidState::unknown);
}

TEST(StatusCheck, RunningAndFreshIsOk) {
  const auto r = check({snapshot("logistics_demo", lb::Status::running, 120, 500)}, env_with());
  EXPECT_EQ(r.state, ls::CheckState::ok);
  EXPECT_EQ(r.line, "LEADSCOUT OK - logistics_demo running 120/500 (24.0%), heartbeat 2s ago");
}

TEST(StatusCheck, CompletedLongAgoIsOk) {
  const auto r = check({snapshot("logistics_demo", lb::Status::completed, 500, 500, std::chrono::hours(3))},
                       env_with({{::getpid(), ls::PidState::dead}}));
  EXPECT_EQ(r.state, ls::CheckState::ok);
  EXPECT_EQ(r.line, "LEADSCOUT OK - logistics_demo completed 500/500 (100.0%), ended 3h00m ago");
}

TEST(StatusCheck, StaleHeartbeatWarns) {
  const auto s = snapshot("logistics_demo", lb::Status::running, 120, 500, std::chrono::seconds(95));
  const auto r = check({s}, env_with());
  EXPECT_EQ(r.state, ls::CheckState::warning);
  EXPECT_EQ(r.line, "LEADSCOUT WARNING - logistics_demo heartbeat 1m35s ago (stale after 1m00s)");
  EXPECT_EQ(check({s}, env_with(), {.stale_after_seconds = 120}).state, ls::CheckState::ok);
}

TEST(StatusCheck, FailureRateAboveThresholdWarns) {
  auto s = snapshot("logistics_demo", lb::Status::running, 40, 500);
  s.failed = 5;
  s.succeeded = 35;
  const auto r = check({s}, env_with());
  EXPECT_EQ(r.state, ls::CheckState::warning);
  EXPECT_EQ(r.line, "LEADSCOUT WARNING - logistics_demo failure rate 12.5% (5/40 failed) above 10.0%");
  EXPECT_EQ(check({s}, env_with(), {.max_failure_rate = 0.125}).state, ls::CheckState::ok);
}

TEST(StatusCheck, CompletedWithFailedItemsWarns) {
  auto s = snapshot("logistics_demo", lb::Status::completed, 500, 500, std::chrono::hours(3));
  s.failed = 3;
  s.succeeded = 497;
  const auto r = check({s}, env_with({{::getpid(), ls::PidState::dead}}));
  EXPECT_EQ(r.state, ls::CheckState::warning);
  EXPECT_EQ(r.line, "LEADSCOUT WARNING - logistics_demo completed with 3 of 500 items failed");
  // Below --max-failure-rate, yet the items are lost; a high rate adds its own line.
  s.failed = 100;
  s.succeeded = 400;
  EXPECT_EQ(check({s}, env_with()).line,
            "LEADSCOUT WARNING - logistics_demo completed with 100 of 500 items failed; "
            "logistics_demo failure rate 20.0% (100/500 failed) above 10.0%");
  // Only a completed run: a running one may still retry, a stopped one resumes them.
  for (const auto status : {lb::Status::running, lb::Status::interrupted, lb::Status::deadline_exceeded}) {
    auto other = snapshot("logistics_demo", status, 400, 500);
    other.failed = 3;
    other.succeeded = 397;
    EXPECT_EQ(check({other}, env_with()).state, ls::CheckState::ok) << lb::to_string(status);
  }
}

TEST(StatusCheck, ACompletedShardWithFailedItemsIsNamed) {
  auto a = shard(snapshot("op", lb::Status::completed, 100, 100), 0, 2);
  a.failed = 1;
  a.succeeded = 99;
  auto b = shard(snapshot("op", lb::Status::completed, 100, 100), 1, 2);
  const auto r = check({a, b}, env_with());
  EXPECT_EQ(r.state, ls::CheckState::warning);
  EXPECT_EQ(r.line, "LEADSCOUT WARNING - op shard 0/2 completed with 1 of 100 items failed");
}

TEST(StatusCheck, FailedIsCritical) {
  auto s = snapshot("logistics_demo", lb::Status::failed, 60, 500);
  s.reason = "halt: failure rate 0.62 over the last 50 items";
  const auto r = check({s}, env_with());
  EXPECT_EQ(r.state, ls::CheckState::critical);
  EXPECT_EQ(r.line, "LEADSCOUT CRITICAL - logistics_demo failed: halt: failure rate 0.62 over the last 50 items");
}

TEST(StatusCheck, RunningWithDeadPidIsCriticalOnlyWhenKnown) {
  auto s = snapshot("logistics_demo", lb::Status::running, 60, 500);
  s.pid = 4242;
  const auto dead = check({s}, env_with({{4242, ls::PidState::dead}}));
  EXPECT_EQ(dead.state, ls::CheckState::critical);
  EXPECT_NE(dead.line.find("logistics_demo running but pid 4242 is gone on " + s.host), std::string::npos)
      << dead.line;
  EXPECT_EQ(check({s}, env_with({{4242, ls::PidState::unknown}})).state, ls::CheckState::ok);
}

TEST(StatusCheck, NothingOrUnreadableIsUnknown) {
  const auto none = check({}, env_with());
  EXPECT_EQ(none.state, ls::CheckState::unknown);
  EXPECT_EQ(none.line, "LEADSCOUT UNKNOWN - no progress file in logs/progress");

  const auto corrupt = check({snapshot("a", lb::Status::running, 1, 2)}, env_with(), {},
                             {{"logs/progress/b.json", "b", "not valid JSON"}});
  EXPECT_EQ(corrupt.state, ls::CheckState::unknown);
  EXPECT_EQ(corrupt.line, "LEADSCOUT UNKNOWN - unreadable progress file logs/progress/b.json: not valid JSON");
}

TEST(StatusCheck, WorstStateWinsAndEveryProblemIsListed) {
  auto stale = snapshot("stale_op", lb::Status::running, 1, 10, std::chrono::minutes(5));
  auto failed = snapshot("failed_op", lb::Status::failed, 1, 10);
  const auto r = check({stale, failed, snapshot("fine_op", lb::Status::running, 1, 10)}, env_with(), {},
                       {{"logs/progress/x.json", "x", "empty file"}});
  EXPECT_EQ(r.state, ls::CheckState::critical);
  EXPECT_EQ(r.line,
            "LEADSCOUT CRITICAL - failed_op failed; stale_op heartbeat 5m00s ago (stale after 1m00s); "
            "unreadable progress file logs/progress/x.json: empty file");
  EXPECT_EQ(ls::worse(ls::CheckState::unknown, ls::CheckState::warning), ls::CheckState::warning);
  EXPECT_EQ(ls::worse(ls::CheckState::unknown, ls::CheckState::ok), ls::CheckState::unknown);
  EXPECT_EQ(ls::worse(ls::CheckState::critical, ls::CheckState::unknown), ls::CheckState::critical);
}

TEST(StatusCheck, ShardProblemsNameTheShard) {
  auto a = shard(snapshot("op", lb::Status::running, 10, 100), 0, 2);
  auto b = shard(snapshot("op", lb::Status::running, 10, 100, std::chrono::minutes(2)), 1, 2);
  const auto r = check({a, b}, env_with());
  EXPECT_EQ(r.line, "LEADSCOUT WARNING - op shard 1/2 heartbeat 2m00s ago (stale after 1m00s)");
  const auto ok = check({a}, env_with());
  EXPECT_EQ(ok.line, "LEADSCOUT OK - op running 10/100 (10.0%) [1/2 shards], heartbeat 2s ago");
}

TEST(StatusRender, TableColumnsAndShards) {
  auto a = shard(snapshot("op", lb::Status::running, 10, 100, std::chrono::seconds(65)), 0, 2);
  auto b = shard(snapshot("op", lb::Status::completed, 100, 100), 1, 2);
  a.eta_seconds = 2 * 3600 + 3 * 60;
  auto done = snapshot("done_op", lb::Status::interrupted, 3, 10);
  done.reason = "SIGTERM";
  const std::vector<ls::ShardFile> files{file_of(a), file_of(b), file_of(done)};
  const auto rows = ls::aggregate(files, env_with({{::getpid(), ls::PidState::alive}}));
  const auto table = ls::render_table(rows, false);
  const auto lines = leadscout::test::split_lines(table);
  ASSERT_EQ(lines.size(), 4u) << table;
  EXPECT_EQ(lines[0].rfind("OPERATION", 0), 0u);
  EXPECT_NE(lines[1].find("done_op"), std::string::npos);
  EXPECT_NE(lines[1].find("interrupted"), std::string::npos);
  EXPECT_NE(lines[1].find(" - "), std::string::npos) << "no ETA once ended: " << lines[1];
  EXPECT_NE(lines[2].find("op [2 shards]"), std::string::npos);
  EXPECT_NE(lines[2].find("110/200"), std::string::npos);
  EXPECT_NE(lines[2].find("55.0%"), std::string::npos);
  EXPECT_NE(lines[2].find("2h03m"), std::string::npos);
  EXPECT_NE(lines[2].find("1m05s ago"), std::string::npos);
  EXPECT_EQ(lines[3], "done_op interrupted: SIGTERM");

  const auto with_shards = leadscout::test::split_lines(ls::render_table(rows, true));
  ASSERT_EQ(with_shards.size(), 6u);
  EXPECT_EQ(with_shards[3].rfind("  shard 0/2", 0), 0u);
  EXPECT_NE(with_shards[3].find("10/100"), std::string::npos);
  EXPECT_EQ(with_shards[4].rfind("  shard 1/2", 0), 0u);
  EXPECT_NE(with_shards[4].find("completed"), std::string::npos);
}

TEST(StatusRender, JsonSumsAndKeepsTheFiles) {
  auto a = shard(snapshot("op", lb::Status::running, 10, 100), 0, 2);
  auto b = shard(snapshot("op", lb::Status::running, 30, 100), 1, 2);
  ls::ScanResult scan;
  scan.files = {file_of(a), file_of(b)};
  scan.errors = {{"progress/bad.json", "bad", "empty file"}};
  const auto env = env_with();
  const auto rows = ls::aggregate(scan.files, env);
  const auto j = ls::render_json(scan, rows, env, "progress");
  EXPECT_EQ(j["now"], "2025-07-06T10:30:15Z");
  ASSERT_EQ(j["operations"].size(), 1u);
  EXPECT_EQ(j["operations"][0]["processed"], 40);
  EXPECT_EQ(j["operations"][0]["total"], 200);
  EXPECT_EQ(j["operations"][0]["shard_count"], 2);
  EXPECT_EQ(j["operations"][0]["pid_alive"], true);
  ASSERT_EQ(j["operations"][0]["files"].size(), 2u);
  EXPECT_EQ(j["operations"][0]["files"][1]["processed"], 30);
  EXPECT_EQ(j["operations"][0]["files"][1]["shard"]["index"], 1);
  EXPECT_EQ(j["errors"][0]["file"], "progress/bad.json");
}

TEST(StatusRead, BadFilesAreErrorsNamingTheProblem) {
  leadscout::test::TempDir dir;
  const auto good = lt::status::write_progress(dir.path(), snapshot("good", lb::Status::running, 1, 2));
  const std::string text = lt::status::read_file(good);
  const auto read = [&](const std::string& name, const std::string& content) -> std::string {
    const auto path = dir / name;
    lt::status::write_raw(path, content);
    auto r = ls::read_progress_file(path, *ls::parse_progress_name(name));
    if (const auto* e = std::get_if<ls::FileError>(&r)) return e->message;
    return "read";
  };
  EXPECT_EQ(read("ok.json", text), "read");
  EXPECT_EQ(read("empty.json", ""), "empty file (half-written?)");
  EXPECT_EQ(read("torn.json", text.substr(0, text.size() / 2)).rfind("not valid JSON", 0), 0u);
  EXPECT_EQ(read("garbage.json", std::string("\x00\x01garbage", 9)).rfind("not valid JSON", 0), 0u);
  EXPECT_EQ(read("array.json", "[1,2]"), "not a JSON object");
  auto j = nlohmann::json::parse(text);
  j.erase("processed");
  EXPECT_EQ(read("missing.json", j.dump()).rfind("not a progress file", 0), 0u);
  j = nlohmann::json::parse(text);
  j["schema_version"] = 2;
  EXPECT_EQ(read("future.json", j.dump()), "unsupported schema_version 2 (this tool reads 1)");
  j = nlohmann::json::parse(text);
  j["timestamp"] = "soon";
  EXPECT_EQ(read("when.json", j.dump()), "unreadable timestamp 'soon'");
  j = nlohmann::json::parse(text);
  j["status"] = "exploded";
  EXPECT_EQ(read("status.json", j.dump()).rfind("not a progress file", 0), 0u);
}

TEST(StatusRead, ScanSkipsNonProgressFilesAndFilters) {
  leadscout::test::TempDir dir;
  lt::status::write_progress(dir.path(), snapshot("a", lb::Status::running, 1, 2));
  lt::status::write_progress(dir.path(), shard(snapshot("b", lb::Status::running, 1, 2), 1, 2));
  lt::status::write_raw(dir / "batch-status.json", "{}");
  lt::status::write_raw(dir / "a.prom", "x 1\n");
  lt::status::write_raw(dir / "a.checkpoint.jsonl", "{}\n");
  lt::status::write_raw(dir / "a.json.tmp.77", "{");
  lt::status::write_raw(dir / "c.json", "{\"schema_version\":1,");
  const auto all = ls::scan_directory(dir.path());
  ASSERT_EQ(all.files.size(), 2u);
  EXPECT_EQ(all.files[0].name.operation, "a");
  EXPECT_EQ(all.files[1].name.operation, "b");
  ASSERT_EQ(all.errors.size(), 1u);
  EXPECT_EQ(all.errors[0].file.filename(), "c.json");
  const auto only_b = ls::scan_directory(dir.path(), "b");
  ASSERT_EQ(only_b.files.size(), 1u);
  EXPECT_TRUE(only_b.errors.empty());
  EXPECT_THROW((void)ls::scan_directory(dir / "missing"), std::runtime_error);
  EXPECT_THROW((void)ls::scan_directory(dir / "a.prom"), std::runtime_error);
}

TEST(StatusProbe, LocalProcesses) {
  const std::string host = lt::status::local_host();
  EXPECT_EQ(ls::probe_local_process(host, ::getpid()), ls::PidState::alive);
  EXPECT_EQ(ls::probe_local_process(host, lt::status::dead_pid()), ls::PidState::dead);
  EXPECT_EQ(ls::probe_local_process(host, 1), ls::PidState::alive) << "EPERM counts as alive";
  // A child that has exited but is not reaped yet is a zombie: gone, though kill() still works.
  const pid_t zombie = ::fork();
  ASSERT_GE(zombie, 0);
  if (zombie == 0) ::_exit(0);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ls::probe_local_process(host, zombie) != ls::PidState::dead && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(ls::probe_local_process(host, zombie), ls::PidState::dead);
  EXPECT_EQ(::kill(zombie, 0), 0) << "still a zombie";
  int status = 0;
  ::waitpid(zombie, &status, 0);
  EXPECT_EQ(ls::probe_local_process("not-" + host, ::getpid()), ls::PidState::unknown);
  EXPECT_EQ(ls::probe_local_process(host, 0), ls::PidState::unknown);
  EXPECT_EQ(ls::probe_local_process("", ::getpid()), ls::PidState::unknown);
}

// Options::results: JSONL and CSV files written as items finish, a callback, and recovery of
// the file after a kill.
#include <csignal>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "batch_test_utils.hpp"
#include "child_process.hpp"

namespace {

using namespace leadscout::test::batch;
using namespace std::chrono_literals;

const std::string kChild = RESULTS_CHILD;

lb::Summary<Out> run_into(const fs::path& dir, lb::ResultsSink sink, int n) {
  auto opt = test_options(dir);
  opt.concurrency = 3;
  opt.results = std::move(sink);
  lb::BackgroundProcessor<Item, Out> proc(opt);
  return proc.run(make_items(n), [](const Item& item, lb::Context&) -> lb::Outcome<Out> {
    return Out{item.value * 2, "n, \"" + item.id + "\""};
  });
}

/// id -> how many lines of a JSONL result file carry it.
std::map<std::string, int> jsonl_ids(const fs::path& file) {
  std::map<std::string, int> ids;
  for (const auto& line : read_lines(file)) ++ids[nlohmann::json::parse(line).at("id").get<std::string>()];
  return ids;
}

/// The records of a CSV file (RFC 4180, quoted fields may hold line breaks).
std::vector<std::vector<std::string>> csv_records(const fs::path& file) {
  std::vector<std::vector<std::string>> records(1);
  std::string field;
  bool quoted = false;
  const std::string text = read_file(file);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      records.back().push_back(std::exchange(field, {}));
    } else if (c == '\n') {
      records.back().push_back(std::exchange(field, {}));
      records.emplace_back();
    } else if (c != '\r') {
      field += c;
    }
  }
  records.pop_back();  // after the last line break
  return records;
}

TEST(BatchResultsSink, JsonlGetsEveryResultAndTheSummaryNone) {
  TempDir dir;
  const auto summary = run_into(dir.path(), lb::jsonl_results(dir / "out/results.jsonl"), 50);
  ASSERT_EQ(summary.status, lb::Status::completed) << summary.reason;
  EXPECT_TRUE(summary.results.empty());
  const auto lines = read_lines(dir / "out/results.jsonl");
  ASSERT_EQ(lines.size(), 50U);
  std::map<std::string, int> doubled;
  for (const auto& line : lines) {
    const auto j = nlohmann::json::parse(line);
    doubled[j.at("id")] = j.at("result").at("doubled");
  }
  EXPECT_EQ(doubled.size(), 50U);
  EXPECT_EQ(doubled["item-7"], 14);
}

TEST(BatchResultsSink, CsvHasAHeaderAndQuotedFields) {
  TempDir dir;
  const auto summary = run_into(dir.path(), lb::csv_results(dir / "results.csv"), 5);
  ASSERT_EQ(summary.status, lb::Status::completed) << summary.reason;
  const auto records = csv_records(dir / "results.csv");
  ASSERT_EQ(records.size(), 6U);
  EXPECT_EQ(records[0], (std::vector<std::string>{"id", "doubled", "note"}));
  std::map<std::string, std::vector<std::string>> rows;
  for (std::size_t i = 1; i < records.size(); ++i) rows[records[i][0]] = records[i];
  EXPECT_EQ(rows["item-3"], (std::vector<std::string>{"item-3", "6", "n, \"item-3\""}));
}

TEST(BatchResultsSink, CallbackGetsEachResultOnceAndItsExceptionsAreLogged) {
  TempDir dir;
  const fs::path log = init_logging(dir.path());
  std::mutex m;
  std::map<std::string, int> seen;
  auto opt = test_options(dir.path());
  opt.concurrency = 4;
  opt.results = [&](std::string_view id, const Out& out) {
    std::lock_guard lock(m);
    seen[std::string(id)] = out.doubled;
    if (id == "item-2") throw std::runtime_error("disk full");
  };
  lb::BackgroundProcessor<Item, Out> proc(opt);
  const auto summary = proc.run(make_items(20), [](const Item& item, lb::Context&) -> lb::Outcome<Out> {
    return Out{item.value * 2, ""};
  });
  EXPECT_EQ(summary.status, lb::Status::completed) << summary.reason;
  EXPECT_TRUE(summary.results.empty());
  EXPECT_EQ(seen.size(), 20U);
  EXPECT_EQ(seen["item-9"], 18);
  const auto failed = events(log, "Results callback failed");
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_EQ(failed[0].at("item_id"), "item-2");
  EXPECT_EQ(failed[0].at("error"), "disk full");
  ll::shutdown();

  opt.results = [](std::string_view, const int&) {};
  EXPECT_THROW((lb::BackgroundProcessor<Item, Out>(opt)), lb::Error) << "a callback of another result type";
}

TEST(BatchResultsSink, ResumeCutsAHalfLineAndWritesWhatTheFileMissed) {
  TempDir dir;
  const fs::path file = dir / "results.jsonl";
  ASSERT_EQ(run_into(dir.path(), lb::jsonl_results(file), 30).status, lb::Status::completed);
  // As a kill between the journal and the result file would leave it: the last three lines
  // missing and a fourth cut in half.
  auto lines = read_lines(file);
  std::string text;
  for (std::size_t i = 0; i + 4 < lines.size(); ++i) text += lines[i] + "\n";
  text += lines[lines.size() - 4].substr(0, 10);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;

  const auto resumed = run_into(dir.path(), lb::jsonl_results(file), 30);
  EXPECT_EQ(resumed.skipped_resumed, 30U);
  const auto ids = jsonl_ids(file);
  EXPECT_EQ(ids.size(), 30U);
  for (const auto& [id, count] : ids) EXPECT_EQ(count, 1) << id;
}

TEST(BatchResultsSink, FreshStartsTheFileOver) {
  TempDir dir;
  const fs::path file = dir / "results.csv";
  (void)run_into(dir.path(), lb::csv_results(file), 4);
  auto opt = test_options(dir.path());
  opt.fresh = true;
  opt.results = lb::csv_results(file);
  lb::BackgroundProcessor<Item, Out> proc(opt);
  (void)proc.run(make_items(2), [](const Item& item, lb::Context&) -> lb::Outcome<Out> { return Out{item.value, ""}; });
  EXPECT_EQ(csv_records(file).size(), 3U);
}

TEST(BatchResultsSink, UnwritableFileIsASetupErrorNamingIt) {
  TempDir dir;
  std::ofstream(dir / "plain") << "a file, not a directory";
  try {
    (void)run_into(dir.path(), lb::jsonl_results(dir / "plain/results.jsonl"), 1);
    ADD_FAILURE() << "an unwritable result file was accepted";
  } catch (const lb::Error& e) {
    EXPECT_NE(std::string(e.what()).find("plain/results.jsonl"), std::string::npos) << e.what();
  }
}

// ---- real processes ----

class BatchResultsSinkKilled : public ::testing::TestWithParam<const char*> {};

TEST_P(BatchResultsSinkKilled, TenKillsThenAResumeLeaveEveryIdOnce) {
  const std::string format = GetParam();
  const bool csv = format == "csv";
  TempDir dir;
  const fs::path file = dir / (csv ? "results.csv" : "results.jsonl");
  const std::vector<std::string> argv = {kChild, (dir / "progress").string(), "2000", "200", format, file.string()};
  std::mt19937 rng(7);
  for (int kill = 0; kill < 10; ++kill) {
    const pid_t pid = spawn(argv, (dir / "out.txt").string());
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(10, 80)(rng)));
    ::kill(pid, SIGKILL);
    (void)wait_exit(pid);
  }
  const pid_t last = spawn(argv, (dir / "out.txt").string());
  const auto status = wait_exit(last);
  ASSERT_TRUE(status && WIFEXITED(*status));
  ASSERT_EQ(WEXITSTATUS(*status), 0);
  std::map<std::string, int> ids;
  if (!csv) {
    ids = jsonl_ids(file);
  } else {
    const auto records = csv_records(file);
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records[0], (std::vector<std::string>{"id", "doubled", "note"}));
    for (std::size_t i = 1; i < records.size(); ++i) {
      ASSERT_EQ(records[i].size(), 3U) << records[i][0];
      ++ids[records[i][0]];
    }
  }
  EXPECT_EQ(ids.size(), 2000U);
  for (const auto& [id, count] : ids) EXPECT_EQ(count, 1) << id;
}

// jsonl-stream: the items come from a generator, the engine holds none of them ahead.
INSTANTIATE_TEST_SUITE_P(Formats, BatchResultsSinkKilled, ::testing::Values("jsonl", "csv", "jsonl-stream"),
                         [](const auto& param_info) {
                           const std::string name = param_info.param;
                           return name == "jsonl-stream" ? std::string("jsonl_stream") : name;
                         });

}  // namespace

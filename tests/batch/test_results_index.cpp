// Resume of a results file: the ids it holds read fast (JSONL by its fixed prefix, CSV by its
// first field), matched against the journal in a window, and completed from the journal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>

#include "csv.hpp"
#include "journal/journal.hpp"
#include "journal/journal_record.hpp"
#include "output/present_ids.hpp"
#include "output/results_scan.hpp"
#include "output/results_writer.hpp"

#include "batch_test_utils.hpp"

using namespace leadscout::test::batch;
namespace lbd = leadscout::batch::detail;

namespace {

std::string id_of(int i) { return "lead-" + std::to_string(i); }

bool holds(lbd::PresentIds& ids, const std::string& id) {
  const std::uint64_t key = lbd::result_key(id);
  std::vector<bool> found;
  ids.contains(std::span<const std::uint64_t>(&key, 1), found);
  return found[0];
}

void write_text(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

/// scan_results_file() over `text`, written to a file.
lbd::ResultsFileScan scan_text(const fs::path& p, std::string_view text, lb::ResultsSink::Kind kind,
                               lbd::PresentIds& ids) {
  write_text(p, text);
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  auto scan = lbd::scan_results_file(fd, kind, p.string(), ids);
  ::close(fd);
  return scan;
}

/// How many lines of `text` hold each id (JSONL).
std::map<std::string, int> jsonl_counts(const std::string& text) {
  std::map<std::string, int> counts;
  std::string buf;
  for (std::size_t start = 0, nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    ++counts[std::string(lbd::jsonl_line_id(std::string_view(text).substr(start, nl - start), buf))];
  }
  return counts;
}

}  // namespace

TEST(BatchResultsIndex, WindowMatchesAFileInAboutTheJournalsOrder) {
  lbd::PresentIds ids;
  constexpr int n = 50000;
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::mt19937 rng(7);
  for (int i = 0; i + 64 < n; i += 32) std::shuffle(order.begin() + i, order.begin() + i + 64, rng);  // workers
  for (int i : order) ids.add(lbd::result_key(id_of(i)));
  for (int i = 0; i < n; ++i) ASSERT_TRUE(ids.match(lbd::result_key(id_of(i)))) << i;
  // Each match takes its file line: a second record of an id is not placed by the window,
  // yet the file holds it.
  EXPECT_FALSE(ids.match(lbd::result_key(id_of(5))));
  EXPECT_TRUE(holds(ids, id_of(5)));
  EXPECT_FALSE(holds(ids, id_of(n)));
}

TEST(BatchResultsIndex, WhatTheWindowMissesIsAnsweredExactly) {
  lbd::PresentIds ids;
  constexpr int n = 40000;
  // The file: every even id, then every odd one below 1000 (a resumed run completing it),
  // with ids the journal never names between them.
  for (int i = 0; i < n; i += 2) {
    ids.add(lbd::result_key(id_of(i)));
    if (i % 10 == 0) ids.add(lbd::result_key("stray-" + std::to_string(i)));
  }
  for (int i = 1; i < 1000; i += 2) ids.add(lbd::result_key(id_of(i)));
  std::vector<std::uint64_t> unmatched;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t key = lbd::result_key(id_of(i));
    if (!ids.match(key)) unmatched.push_back(key);
  }
  EXPECT_GE(unmatched.size(), static_cast<std::size_t>(n / 2 - 500)) << "odd ids above 1000 are not in the file";
  // Answered by passes over the file, then (after a few) by a sorted index: the same answers.
  for (int round = 0; round < 7; ++round) {
    std::vector<bool> found;
    ids.contains(unmatched, found);
    std::size_t missing = 0;
    for (std::size_t i = 0; i < unmatched.size(); ++i) missing += found[i] ? 0 : 1;
    EXPECT_EQ(missing, static_cast<std::size_t>((n - 1000) / 2)) << "round " << round;
  }
  for (int i = 0; i < 2000; ++i) EXPECT_EQ(holds(ids, id_of(i)), i % 2 == 0 || i < 1000) << i;
}

TEST(BatchResultsIndex, JsonlIdsByPrefixOrByAFullScan) {
  std::string buf;
  EXPECT_EQ(lbd::jsonl_line_id(R"({"id":"lead-1","result":{"v":1}})", buf), "lead-1");
  EXPECT_EQ(lbd::jsonl_line_id(R"({"id":"a\"b","result":1})", buf), "a\"b");
  EXPECT_EQ(lbd::jsonl_line_id(R"({"id":"caf\u00e9","result":1})", buf), "caf\xc3\xa9");
  EXPECT_EQ(lbd::jsonl_line_id("{\"id\":\"caf\xc3\xa9\",\"result\":1}", buf), "caf\xc3\xa9");
  EXPECT_EQ(lbd::jsonl_line_id(R"({"result":1,"id":"x"})", buf), "x");
  EXPECT_EQ(lbd::jsonl_line_id(R"({"id":"x","result":1)", buf), "");  // torn
  EXPECT_EQ(lbd::jsonl_line_id(R"({"id":"x")", buf), "");
  EXPECT_EQ(lbd::jsonl_line_id(R"({"id":7,"result":1})", buf), "");
  EXPECT_EQ(lbd::jsonl_line_id("not json", buf), "");
  EXPECT_EQ(lbd::jsonl_line_id("", buf), "");
}

TEST(BatchResultsIndex, JsonlScanFindsEveryIdAndTheEndOfTheLastWholeLine) {
  TempDir dir;
  lbd::PresentIds ids;
  // A line longer than a read block, and a torn last line.
  const std::string long_line = R"({"id":"long","result":")" + std::string(5 << 20, 'x') + "\"}\n";
  const std::string whole = "{\"id\":\"a\",\"result\":1}\n" + long_line + "{\"id\":\"b\",\"result\":2}\n";
  const auto scan = scan_text(dir.path() / "r.jsonl", whole + "{\"id\":\"c\",\"res", lb::ResultsSink::Kind::jsonl, ids);
  EXPECT_EQ(scan.complete, whole.size());
  EXPECT_EQ(ids.size(), 3U);
  for (const char* id : {"a", "long", "b"}) EXPECT_TRUE(holds(ids, id)) << id;
  EXPECT_FALSE(holds(ids, "c"));
}

TEST(BatchResultsIndex, CsvScanReadsRecordsLikeTheCsvReader) {
  TempDir dir;
  // Random text over the characters that matter to CSV: the first field of each record and
  // the end of the last one must be what common::CsvReader reads.
  std::mt19937 rng(11);
  auto check = [&](std::size_t len, const std::string& alphabet) {
    std::string text;
    for (std::size_t i = 0; i < len; ++i) text += alphabet[rng() % alphabet.size()];
    leadscout::common::CsvReader reader;
    std::vector<std::string> firsts;
    std::vector<std::string> header;
    std::size_t complete = 0;
    bool first_record = true;
    reader.feed(text, [&](const std::vector<std::string>& fields, std::size_t end) {
      complete = end;
      if (first_record) {
        header.assign(fields.begin() + 1, fields.end());
        first_record = false;
      } else if (!fields[0].empty()) {
        firsts.push_back(fields[0]);
      }
    });
    lbd::PresentIds ids;
    const auto scan = scan_text(dir.path() / "r.csv", text, lb::ResultsSink::Kind::csv, ids);
    ASSERT_EQ(scan.complete, complete) << text.substr(0, 300);
    ASSERT_EQ(scan.has_header, !first_record) << text.substr(0, 300);
    ASSERT_EQ(scan.columns, header) << text.substr(0, 300);
    ASSERT_EQ(ids.size(), firsts.size()) << text.substr(0, 300);
    for (const auto& id : firsts) ASSERT_TRUE(holds(ids, id)) << text.substr(0, 300);
  };
  for (int round = 0; round < 100; ++round) check(rng() % 300, "ab,\"\r\n");
  check(std::size_t{5} << 20, "abcdefgh,,\"\r\n");  // records across the scanner's read blocks
}

TEST(BatchResultsIndex, CsvScanOfQuotedIds) {
  TempDir dir;
  lbd::PresentIds ids;
  const std::string whole = "id,\"a,b\",c\r\nplain,1,2\r\n\"com,ma\",1,2\r\n\"quo\"\"te\",1,2\r\n\"line\nbreak\",\"x\ny\",2\r\n";
  const auto scan = scan_text(dir.path() / "r.csv", whole + "\"torn\n", lb::ResultsSink::Kind::csv, ids);
  EXPECT_EQ(scan.complete, whole.size());
  EXPECT_EQ(scan.columns, (std::vector<std::string>{"a,b", "c"}));
  EXPECT_EQ(ids.size(), 4U);
  for (const char* id : {"plain", "com,ma", "quo\"te", "line\nbreak"}) EXPECT_TRUE(holds(ids, id)) << id;
  EXPECT_FALSE(holds(ids, "torn\n"));
}

// The writer completes a file that lacks journaled results (shorter than the journal: cut by a
// kill, or emptied), writes nothing for one that holds more, and cuts a torn last line.
TEST(BatchResultsIndex, ReconcileWritesExactlyTheResultsTheFileLacks) {
  TempDir dir;
  const fs::path path = dir.path() / "r.jsonl";
  constexpr int n = 30000;
  // More result text missing than the writer holds for one pass over the file's ids.
  const std::string result = "\"" + std::string(1000, 'r') + "\"";
  std::string text;
  for (int i = 0; i < n; ++i) {
    if (i % 3 == 0 || i < 100) text += "{\"id\":\"" + id_of(i) + "\",\"result\":1}\n";
  }
  text += "{\"id\":\"extra\",\"result\":1}\n{\"id\":\"torn\",\"res";
  write_text(path, text);
  lbd::ResultsWriter writer;
  writer.open(lb::jsonl_results(path), false, std::nullopt);
  for (int i = 0; i < n; ++i) ASSERT_EQ(writer.reconcile(id_of(i), result), 0);
  ASSERT_EQ(writer.end_reconcile(), 0);
  EXPECT_EQ(writer.reconciled(), 19934U);
  ASSERT_EQ(writer.close(), 0);
  const auto counts = jsonl_counts(read_file(path));
  EXPECT_EQ(counts.size(), static_cast<std::size_t>(n + 1));
  for (const auto& [id, count] : counts) ASSERT_EQ(count, 1) << id;
  EXPECT_EQ(counts.count("torn"), 0U);
}

TEST(BatchResultsIndex, ReconcileOfACsvFileKeepsItsColumns) {
  TempDir dir;
  const fs::path path = dir.path() / "r.csv";
  write_text(path, "id,v\r\n\"a,1\",1\r\nb,2\r\n\"c");
  lbd::ResultsWriter writer;
  writer.open(lb::csv_results(path), false, std::nullopt);
  for (const char* id : {"a,1", "c", "b"}) ASSERT_EQ(writer.reconcile(id, R"({"v":3})"), 0);
  ASSERT_EQ(writer.end_reconcile(), 0);
  EXPECT_EQ(writer.reconciled(), 1U);
  ASSERT_EQ(writer.close(), 0);
  EXPECT_EQ(read_file(path), "id,v\r\n\"a,1\",1\r\nb,2\r\nc,3\r\n");
}

TEST(BatchJournal, ReplaysALineLongerThanAReadBlock) {
  TempDir dir;
  const fs::path path = dir.path() / "j.jsonl";
  const auto header = lbd::JournalHeader{"op", "stream", 0, "2025-07-06T10:30:15.000Z", std::nullopt};
  std::string text = lbd::format_header(header);
  const std::string big = "\"" + std::string(9 << 20, 'y') + "\"";
  for (const std::string& id : {std::string("a"), std::string("b")}) {
    lbd::format_record(text, id, true, 1, 1.0, id == "a" ? big : "1", {}, {});
  }
  write_text(path, text);
  std::vector<std::string> ids;
  std::size_t big_size = 0;
  lbd::Journal journal;
  const auto report = journal.open(path, header, false, [&](const lbd::JournalRecord& r) {
    ids.emplace_back(r.id);
    if (r.id == "a") big_size = r.result.size();
  });
  EXPECT_EQ(report.dropped_lines, 0U);
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(big_size, big.size());
}

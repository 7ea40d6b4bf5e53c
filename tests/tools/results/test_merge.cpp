// leadscout-results merge: shards' result files into one, each id once.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <leadscout/batch.hpp>

#include "merge.hpp"
#include "utils.hpp"

namespace {

namespace fs = std::filesystem;
namespace lb = leadscout::batch;
namespace rt = leadscout::results_tool;
using leadscout::test::read_file;
using leadscout::test::read_lines;
using leadscout::test::TempDir;

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

struct Item {
  std::string id;
  int value = 0;
};

/// Runs shard `index` of `count` over 60 items into `dir`/results.<ext>.
void run_shard(const fs::path& dir, std::uint32_t index, std::uint32_t count, const std::string& ext) {
  std::vector<Item> items;
  for (int i = 0; i < 60; ++i) items.push_back(Item{"lead-" + std::to_string(i), i});
  lb::Options opt;
  opt.operation = "merge_test";
  opt.progress_dir = dir / "progress";
  opt.handle_signals = false;
  opt.progress_bar = lb::ProgressBarMode::off;
  opt.shard = lb::ShardSpec{index, count};
  opt.results = ext == "csv" ? lb::csv_results(dir / "results.csv") : lb::jsonl_results(dir / "results.jsonl");
  lb::BackgroundProcessor<Item, int> proc(opt);
  const auto s = proc.run(items, [](const Item& item, lb::Context&) -> lb::Outcome<int> { return item.value * 2; });
  ASSERT_EQ(s.status, lb::Status::completed) << s.reason;
}

TEST(ResultsMerge, ShardsOfARunMergeIntoOneFileWithEveryIdOnce) {
  TempDir dir;
  for (std::uint32_t i = 0; i < 3; ++i) run_shard(dir.path(), i, 3, "jsonl");
  std::vector<fs::path> shards;
  for (std::uint32_t i = 0; i < 3; ++i) {
    shards.push_back(dir / ("results.shard-" + std::to_string(i) + "-of-3.jsonl"));
    ASSERT_TRUE(fs::exists(shards.back())) << shards.back();
  }
  // A shard file copied twice into the list, as a glob over a retried shard might.
  shards.push_back(shards[0]);
  const std::string out = (dir / "all.jsonl").string();
  std::string command = std::string(LEADSCOUT_RESULTS_BIN) + " merge -o " + out;
  for (const auto& s : shards) command += " " + s.string();
  ASSERT_EQ(std::system((command + " 2>" + (dir / "err.txt").string()).c_str()), 0) << read_file(dir / "err.txt");
  std::map<std::string, int> ids;
  for (const auto& line : read_lines(out)) {
    const auto j = nlohmann::json::parse(line);
    ++ids[j.at("id").get<std::string>()];
    EXPECT_EQ(j.at("result").get<int>(), std::stoi(j.at("id").get<std::string>().substr(5)) * 2);
  }
  EXPECT_EQ(ids.size(), 60U);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
  EXPECT_NE(read_file(dir / "err.txt").find("60 results from 4 files"), std::string::npos) << read_file(dir / "err.txt");
}

TEST(ResultsMerge, CsvKeepsOneHeaderAndDropsAHalfWrittenRow) {
  TempDir dir;
  write(dir / "a.csv", "id,label\r\nx,\"multi\nline\"\r\ny,b\r\n");
  write(dir / "b.csv", "id,label\r\ny,b\r\nz,c\r\nw,\"cut");
  const rt::MergeReport r = rt::merge({dir / "a.csv", dir / "b.csv"}, dir / "all.csv");
  EXPECT_EQ(r.results, 3U);
  EXPECT_EQ(r.duplicates, 1U);
  EXPECT_EQ(r.torn, 1U);
  EXPECT_EQ(read_file(dir / "all.csv"), "id,label\r\nx,\"multi\nline\"\r\ny,b\r\nz,c\r\n");
}

TEST(ResultsMerge, BadInputIsAnErrorNamingTheFileAndLine) {
  TempDir dir;
  write(dir / "a.csv", "id,label\r\nx,a\r\n");
  write(dir / "b.csv", "id,origin\r\ny,b\r\n");
  write(dir / "c.jsonl", "{\"id\":\"x\",\"result\":1}\nnot json\n");
  write(dir / "d.txt", "");
  const auto message = [&](const std::vector<fs::path>& in, const fs::path& out) -> std::string {
    try {
      (void)rt::merge(in, out);
    } catch (const rt::MergeError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_NE(message({dir / "a.csv", dir / "b.csv"}, dir / "o.csv").find("b.csv: its header differs"), std::string::npos);
  EXPECT_NE(message({dir / "c.jsonl"}, dir / "o.jsonl").find("c.jsonl:2:"), std::string::npos);
  EXPECT_NE(message({dir / "a.csv"}, dir / "o.jsonl").find("a.csv: not the same format"), std::string::npos);
  EXPECT_NE(message({dir / "d.txt"}, dir / "o.txt").find("o.txt: not a .jsonl or .csv"), std::string::npos);
  EXPECT_NE(message({dir / "a.csv"}, dir / "a.csv").find("is also the output"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "o.csv")) << "nothing is written when a file is bad";
}

}  // namespace

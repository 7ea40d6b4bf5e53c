// run() over an input range read once as the run goes: generators, resume without holding the
// input, checkpoints that refuse a changed input, the unknown total.
#include <atomic>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "batch_test_utils.hpp"
#include "generated_items.hpp"

namespace {

using namespace leadscout::test::batch;
using namespace std::chrono_literals;

Item item_at(std::size_t i) { return Item{"item-" + std::to_string(i), static_cast<int>(i)}; }
using Generated = GeneratedItems<Item, Item (*)(std::size_t)>;

/// id -> lines of a JSONL result file that carry it.
std::map<std::string, int> sink_ids(const fs::path& file) {
  std::map<std::string, int> ids;
  for (const auto& line : read_lines(file)) ++ids[nlohmann::json::parse(line).at("id").get<std::string>()];
  return ids;
}

lb::Outcome<Out> doubled(const Item& item, lb::Context&) { return Out{item.value * 2, item.id}; }

TEST(BatchStreamInput, GeneratorIntoJsonlSinkRunsEveryItemOnce) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.concurrency = 4;
  opt.results = lb::jsonl_results(dir / "out.jsonl");
  lb::BackgroundProcessor<Item, Out> proc(opt);
  Generated input(5000, item_at);
  std::atomic<int> calls{0};
  const auto s = proc.run(input, [&](const Item& item, lb::Context& ctx) {
    ++calls;
    return doubled(item, ctx);
  });
  EXPECT_EQ(s.status, lb::Status::completed) << s.reason;
  EXPECT_EQ(s.total, 5000U);
  EXPECT_EQ(s.succeeded, 5000U);
  EXPECT_EQ(calls.load(), 5000);
  EXPECT_TRUE(s.results.empty());
  const auto ids = sink_ids(dir / "out.jsonl");
  EXPECT_EQ(ids.size(), 5000U);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
  const auto progress = lb::read_progress(s.progress_file);
  EXPECT_TRUE(progress.total_known);
  EXPECT_EQ(progress.total, 5000U);
}

struct Row {
  std::string id;
  int value = 0;
  friend std::istream& operator>>(std::istream& in, Row& r) { return in >> r.id >> r.value; }
};

TEST(BatchStreamInput, IstreamViewAndResultsInSummaryWithoutASink) {
  TempDir dir;
  std::istringstream text("a 1\nb 2\nc 3\n");
  lb::BackgroundProcessor<Row, int> proc(test_options(dir.path()));
  const auto s = proc.run(std::views::istream<Row>(text), [](const Row& r, lb::Context&) { return lb::Outcome<int>(r.value * 10); });
  ASSERT_EQ(s.status, lb::Status::completed) << s.reason;
  std::map<std::string, int> results(s.results.begin(), s.results.end());
  EXPECT_EQ(results, (std::map<std::string, int>{{"a", 10}, {"b", 20}, {"c", 30}}));
}

TEST(BatchStreamInput, ProgressSaysTotalNullUntilTheInputEnds) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.progress_interval = 5ms;
  opt.expected_total = 4000;
  lb::BackgroundProcessor<Item, Out> proc(opt);
  const fs::path progress = lb::progress_files(opt.progress_dir, opt.operation, std::nullopt).progress;
  Generated input(3000, item_at);
  std::optional<lb::ProgressSnapshot> seen;
  const auto s = proc.run(input, [&](const Item& item, lb::Context& ctx) {
    if (item.value == 10) {  // the first chunk is read, the input is not at its end
      for (int i = 0; i < 400 && !seen; ++i) {
        std::this_thread::sleep_for(5ms);
        try {
          const auto p = lb::read_progress(progress);
          if (p.status == lb::Status::running && p.processed > 0) seen = p;
        } catch (const lb::Error&) {
        }
      }
    }
    return doubled(item, ctx);
  });
  ASSERT_EQ(s.status, lb::Status::completed) << s.reason;
  ASSERT_TRUE(seen.has_value());
  EXPECT_FALSE(seen->total_known);
  EXPECT_EQ(seen->expected_total, std::optional<std::uint64_t>(4000));
  EXPECT_GT(seen->percentage, 0.0);
  const auto raw = nlohmann::json::parse(read_file(progress));
  EXPECT_EQ(raw.at("total"), 3000);
  EXPECT_EQ(raw.at("expected_total"), 4000);
}

TEST(BatchStreamInput, ResumeRunsOnlyWhatIsLeftAndCountsTheRest) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.concurrency = 2;
  opt.results = lb::jsonl_results(dir / "out.jsonl");
  std::map<std::string, int> calls;
  std::mutex mu;
  {
    lb::BackgroundProcessor<Item, Out> proc(opt);
    Generated input(2500, item_at);
    const auto s = proc.run(input, [&](const Item& item, lb::Context& ctx) {
      {
        std::lock_guard lock(mu);
        ++calls[item.id];
      }
      if (item.value == 1500) proc.stop();
      return doubled(item, ctx);
    });
    ASSERT_EQ(s.status, lb::Status::interrupted);
    EXPECT_FALSE(input.made() == 2500 && s.remaining == 0);
  }
  lb::BackgroundProcessor<Item, Out> proc(opt);
  Generated input(2500, item_at);
  const auto s = proc.run(input, [&](const Item& item, lb::Context& ctx) {
    {
      std::lock_guard lock(mu);
      ++calls[item.id];
    }
    return doubled(item, ctx);
  });
  ASSERT_EQ(s.status, lb::Status::completed) << s.reason;
  EXPECT_EQ(s.total, 2500U);
  EXPECT_GT(s.skipped_resumed, 1000U);
  EXPECT_EQ(s.succeeded, 2500U);
  EXPECT_EQ(calls.size(), 2500U);
  for (const auto& [id, n] : calls) EXPECT_EQ(n, 1) << id << " ran twice";
  const auto ids = sink_ids(dir / "out.jsonl");
  EXPECT_EQ(ids.size(), 2500U);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
}

/// Runs `n` items named by `name` (item-i unless changed) to its end.
lb::Summary<Out> run_named(const lb::Options& opt, std::size_t n, Item (*make)(std::size_t), int* calls = nullptr) {
  lb::BackgroundProcessor<Item, Out> proc(opt);
  Generated input(n, make);
  return proc.run(input, [calls](const Item& item, lb::Context& ctx) {
    if (calls != nullptr) ++*calls;
    return doubled(item, ctx);
  });
}

TEST(BatchStreamInput, AChangeInTheFirstChunkIsRefusedBeforeAnythingStarts) {
  TempDir dir;
  const auto opt = test_options(dir.path());
  ASSERT_EQ(run_named(opt, 3000, item_at).status, lb::Status::completed);
  int calls = 0;
  try {
    (void)run_named(
        opt, 3000, [](std::size_t i) { return i == 5 ? Item{"renamed", 5} : item_at(i); }, &calls);
    ADD_FAILURE() << "a changed input was accepted";
  } catch (const lb::Error& e) {
    EXPECT_NE(std::string(e.what()).find("input changed"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fresh"), std::string::npos) << e.what();
  }
  EXPECT_EQ(calls, 0);
  // The same ids in another order: the resume index is by id, but the checkpoints see order.
  EXPECT_THROW((void)run_named(opt, 3000, [](std::size_t i) { return item_at(i == 3 ? 4 : i == 4 ? 3 : i); }),
               lb::Error);
  EXPECT_EQ(run_named(opt, 3000, item_at).status, lb::Status::completed) << "the journal is unharmed";
}

TEST(BatchStreamInput, ALaterChangeStopsTheRunBeforeTheChangedPartStarts) {
  TempDir dir;
  auto opt = test_options(dir.path());
  // The third chunk's items fail, so the next run (retry_failed) would run them again.
  {
    lb::BackgroundProcessor<Item, Out> proc(opt);
    Generated input(3000, item_at);
    const auto s = proc.run(input, [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
      if (item.value >= 2048) return lb::Failure{"not yet", lb::Retry::no};
      return doubled(item, ctx);
    });
    ASSERT_EQ(s.failed, 3000U - 2048U);
  }
  ASSERT_TRUE(opt.retry_failed);
  std::set<int> ran;
  lb::BackgroundProcessor<Item, Out> proc(opt);
  Generated input(3000, [](std::size_t i) { return i == 2500 ? Item{"renamed", 2500} : item_at(i); });
  const auto s = proc.run(input, [&](const Item& item, lb::Context& ctx) {
    ran.insert(item.value);
    return doubled(item, ctx);
  });
  EXPECT_EQ(s.status, lb::Status::failed);
  EXPECT_NE(s.reason.find("input changed"), std::string::npos) << s.reason;
  EXPECT_TRUE(ran.empty()) << "an item of the changed chunk ran: " << *ran.begin();
}

TEST(BatchStreamInput, AShorterOrLongerInputIsRefused) {
  TempDir dir;
  const auto opt = test_options(dir.path());
  ASSERT_EQ(run_named(opt, 3000, item_at).status, lb::Status::completed);
  for (const std::size_t n : {2000U, 4000U}) {
    const auto s = run_named(opt, n, item_at);
    EXPECT_EQ(s.status, lb::Status::failed) << n;
    EXPECT_NE(s.reason.find("input changed"), std::string::npos) << s.reason;
  }
  EXPECT_EQ(run_named(opt, 3000, item_at).status, lb::Status::completed);
}

TEST(BatchStreamInput, DuplicateIdsCloseTogetherAreRefused) {
  TempDir dir;
  try {
    (void)run_named(test_options(dir.path()), 100, [](std::size_t i) { return item_at(i == 50 ? 7 : i); });
    ADD_FAILURE() << "a duplicate id was accepted";
  } catch (const lb::Error& e) {
    EXPECT_NE(std::string(e.what()).find("duplicate item id \"item-7\" at positions 7 and 50"), std::string::npos)
        << e.what();
  }
}

TEST(BatchStreamInput, AnInputThatThrowsFailsTheRunNamingIt) {
  TempDir dir;
  int calls = 0;
  const auto s = run_named(
      test_options(dir.path()), 3000,
      [](std::size_t i) {
        if (i == 2100) throw std::runtime_error("disk read error");
        return item_at(i);
      },
      &calls);
  EXPECT_EQ(s.status, lb::Status::failed);
  EXPECT_NE(s.reason.find("after 2100 items: disk read error"), std::string::npos) << s.reason;
  EXPECT_LE(calls, 2048) << "no item of the chunk that could not be read ran";
  EXPECT_EQ(s.succeeded + s.remaining, 2048U) << "the items read before count, as left for the next run";
}

TEST(BatchStreamInput, ShardsSplitAStreamedInput) {
  TempDir dir;
  std::map<std::string, int> seen;
  for (std::uint32_t shard = 0; shard < 3; ++shard) {
    auto opt = test_options(dir.path());
    opt.shard = lb::ShardSpec{shard, 3};
    lb::BackgroundProcessor<Item, Out> proc(opt);
    Generated input(2000, item_at);
    const auto s = proc.run(input, doubled);
    ASSERT_EQ(s.status, lb::Status::completed) << s.reason;
    for (const auto& [id, out] : s.results) ++seen[id];
  }
  EXPECT_EQ(seen.size(), 2000U);
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
}

}  // namespace

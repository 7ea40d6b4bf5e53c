// Framework overhead of BackgroundProcessor: a no-op callback over many items with the
// journal, progress files and an INFO "Item processed" event per item; resume from a full
// journal; peak memory.
//
//   LEADSCOUT_BENCH_ITEMS=1000000 ./bench_batch
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <leadscout/batch.hpp>
#include <leadscout/log.hpp>

#include "noop_items.hpp"

namespace lb = leadscout::batch;
namespace ll = leadscout::log;
namespace fs = std::filesystem;

namespace {

using leadscout::bench::Item;
using leadscout::bench::Result;

std::size_t item_count() {
  const char* v = std::getenv("LEADSCOUT_BENCH_ITEMS");
  return v != nullptr && std::atol(v) > 0 ? static_cast<std::size_t>(std::atol(v)) : 1000000;
}

const std::vector<Item>& items() {
  static const std::vector<Item> all = [] {
    std::vector<Item> v;
    v.reserve(item_count());
    for (std::size_t i = 0; i < item_count(); ++i) v.push_back(Item{"lead-" + std::to_string(i)});
    return v;
  }();
  return all;
}

fs::path bench_dir() {
  static const fs::path dir = [] {
    auto d = fs::temp_directory_path() / ("leadscout-bench-batch-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    ll::Config cfg;
    cfg.dir = d / "logs";
    cfg.console = ll::ConsoleMode::off;
    ll::init(cfg);
    return d;
  }();
  return dir;
}

lb::Options options(std::size_t concurrency) {
  lb::Options opt;
  opt.operation = "bench";
  opt.progress_dir = bench_dir() / "progress";
  opt.concurrency = concurrency;
  // LEADSCOUT_BENCH_ITEM_LEVEL=debug leaves the per-item event out (below the file threshold).
  const char* level = std::getenv("LEADSCOUT_BENCH_ITEM_LEVEL");
  opt.item_log_level = level != nullptr ? ll::parse_level(level).value_or(ll::Level::info) : ll::Level::info;
  opt.handle_signals = false;
  opt.progress_bar = lb::ProgressBarMode::off;
  return opt;
}

double peak_rss_mib() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

void BM_NoOpCallback(benchmark::State& state) {
  const auto& all = items();
  const auto concurrency = static_cast<std::size_t>(state.range(0));
  std::size_t done = 0;
  double seconds = 0.0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(bench_dir() / "progress");
    auto opt = options(concurrency);
    opt.fresh = true;
    lb::BackgroundProcessor<Item, Result> proc(opt);
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    auto summary = proc.run(all, [](const Item&, lb::Context&) -> lb::Outcome<Result> { return Result{1}; });
    ll::flush();  // every event on disk
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    done += summary.succeeded;
    benchmark::DoNotOptimize(summary);
  }
  state.counters["items_per_second"] = benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
  state.counters["us_per_item"] = done == 0 ? 0.0 : seconds * 1e6 / static_cast<double>(done);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_NoOpCallback)->Arg(1)->Arg(2)->Arg(16)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ResumeFromFullJournal(benchmark::State& state) {
  const auto& all = items();
  {
    fs::remove_all(bench_dir() / "progress");
    auto opt = options(2);
    opt.item_log_level = ll::Level::debug;
    lb::BackgroundProcessor<Item, Result> proc(opt);
    (void)proc.run(all, [](const Item&, lb::Context&) -> lb::Outcome<Result> { return Result{1}; });
  }
  std::size_t resumed = 0;
  for (auto _ : state) {
    lb::BackgroundProcessor<Item, Result> proc(options(2));
    auto summary = proc.run(all, [](const Item&, lb::Context&) -> lb::Outcome<Result> { return Result{2}; });
    resumed += summary.skipped_resumed;
    benchmark::DoNotOptimize(summary);
  }
  state.counters["journal_lines_per_second"] =
      benchmark::Counter(static_cast<double>(resumed), benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_ResumeFromFullJournal)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  ll::shutdown();
  fs::remove_all(bench_dir());
  return 0;
}

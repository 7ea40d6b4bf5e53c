// One fixed workload per run, for instruction counts under callgrind, where the machine's load
// does not move the figure, and for wall time without it:
//
//   bench_instructions log N       N reference events (bench_logging's) on one thread, then flush
//   bench_instructions batch N     N no-op items at concurrency 1, an INFO event per item
//   bench_instructions resume N    resume from the full journal of N items (written first)
//
//   valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes
//            build/release/bench/batch/bench_instructions resume 200000
//
// Only the workload is instrumented (the journal a resume reads is written before); the wall
// time of the same window is printed, with the CPU time of all threads and the page faults.
#include <sys/resource.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
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

lb::Options options(const fs::path& dir, std::size_t concurrency) {
  lb::Options opt;
  opt.operation = "bench";
  opt.progress_dir = dir / "progress";
  opt.concurrency = concurrency;
  opt.handle_signals = false;
  opt.progress_bar = lb::ProgressBarMode::off;
  return opt;
}

lb::Outcome<Result> no_op(const Item&, lb::Context&) { return Result{1}; }

/// What the measured window took: wall and CPU time (all threads), minor page faults.
struct Window {
  long long wall_us = 0;
  long long cpu_us = 0;
  long minor_faults = 0;
};

rusage usage_now() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru;
}

long long cpu_us(const rusage& ru) {
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/// Runs `workload` instrumented and timed.
template <class F>
Window measured(F&& workload) {
  const rusage ru0 = usage_now();
  CALLGRIND_START_INSTRUMENTATION;
  const auto t0 = std::chrono::steady_clock::now();
  workload();
  const auto t1 = std::chrono::steady_clock::now();
  CALLGRIND_STOP_INSTRUMENTATION;
  const rusage ru1 = usage_now();
  return Window{std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count(), cpu_us(ru1) - cpu_us(ru0),
                ru1.ru_minflt - ru0.ru_minflt};
}

Window run_log(std::size_t n) {
  const ll::Logger log = ll::get("production");
  return measured([&] {
    for (std::size_t i = 0; i < n; ++i) {
      log.info("Item processed", {{"name", "MOKGADI MOTALE"},
                                  {"item_id", static_cast<std::int64_t>(i)},
                                  {"confidence", 0.85},
                                  {"cached", true},
                                  {"provider", "anthropic"}});
    }
    ll::flush();
  });
}

Window run_batch(const fs::path& dir, const std::vector<Item>& items, bool resume) {
  if (resume) {
    auto opt = options(dir, 2);
    opt.item_log_level = ll::Level::debug;
    lb::BackgroundProcessor<Item, Result> proc(opt);
    (void)proc.run(items, no_op);
    ll::flush();
  }
  auto opt = options(dir, resume ? 2 : 1);
  opt.fresh = !resume;
  lb::BackgroundProcessor<Item, Result> proc(opt);
  return measured([&] {
    const auto summary = proc.run(items, no_op);
    ll::flush();
    const std::size_t done = resume ? summary.skipped_resumed : summary.succeeded;
    if (done != items.size()) std::fprintf(stderr, "only %zu of %zu items\n", done, items.size());
  });
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc == 3 ? argv[1] : "";
  const long n = argc == 3 ? std::atol(argv[2]) : 0;
  if ((mode != "log" && mode != "batch" && mode != "resume") || n <= 0) {
    std::fprintf(stderr, "usage: bench_instructions log|batch|resume N\n");
    return 2;
  }
  const fs::path dir = fs::temp_directory_path() / ("leadscout-bench-instructions-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ll::Config cfg;
  cfg.dir = dir / "logs";
  cfg.console = ll::ConsoleMode::off;
  cfg.retention_days = 0;
  ll::init(cfg);
  std::vector<Item> items;
  if (mode != "log") {
    items.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) items.push_back(Item{"lead-" + std::to_string(i)});
  }
  const Window w = mode == "log" ? run_log(static_cast<std::size_t>(n)) : run_batch(dir, items, mode == "resume");
  std::printf("%s %ld: %lld us, %.1f ns per item; cpu %.1f ns per item; %ld minor faults\n",
              std::string(mode).c_str(), n, w.wall_us, static_cast<double>(w.wall_us) * 1000.0 / static_cast<double>(n),
              static_cast<double>(w.cpu_us) * 1000.0 / static_cast<double>(n), w.minor_faults);
  ll::shutdown();
  fs::remove_all(dir);
  return 0;
}

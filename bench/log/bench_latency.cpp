// How long a logging call keeps its thread, from the thread's first call on: bursts of 100 calls
// of the reference event ("Item processed" with item_id, name, result, confidence, provider and
// elapsed_ms), a 200 µs pause after each burst (spent spinning, as a busy thread would), 20,000
// calls per run, each run on a new thread. Each call is timed with steady_clock, less the cost
// of the two clock reads. Cases: leadscout (routed JSON files, async), leadscout after
// preallocate() on the thread, spdlog's async logger with the same JSON line formatted by hand.
// Runs alternate between the cases, so a change in the machine's load hits all of them alike.
//
//   build/release/bench/log/bench_latency [--runs N]    (default 5 runs of each case)
#include <leadscout/log.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace ll = leadscout::log;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int calls_per_run = 20000;
constexpr int burst = 100;
constexpr auto pause_after_burst = std::chrono::microseconds(200);

fs::path scratch_dir(const char* name) {
  const fs::path dir = fs::temp_directory_path() / ("leadscout-latency-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// The cost of the two clock reads around a call: the median of many empty measurements.
double timer_cost_ns() {
  std::vector<double> empty(100000);
  for (double& ns : empty) {
    const auto t0 = Clock::now();
    const auto t1 = Clock::now();
    ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
  }
  std::nth_element(empty.begin(), empty.begin() + static_cast<std::ptrdiff_t>(empty.size() / 2), empty.end());
  return empty[empty.size() / 2];
}

/// One run on a new thread: `prepare` first (not timed), then the timed calls of `event`.
void run_once(const std::function<void()>& prepare, const std::function<void(int)>& event, double timer_ns,
              std::vector<double>& samples) {
  std::thread([&] {
    prepare();
    for (int i = 0; i < calls_per_run; i += burst) {
      for (int k = i; k < i + burst; ++k) {
        const auto t0 = Clock::now();
        event(k);
        const auto t1 = Clock::now();
        samples.push_back(std::max(0.0, std::chrono::duration<double, std::nano>(t1 - t0).count() - timer_ns));
      }
      const auto paused = Clock::now();
      while (Clock::now() - paused < pause_after_burst) {
      }
    }
  }).join();
}

struct Case {
  const char* name;
  std::function<void()> prepare;
  std::function<void(int)> event;
  std::vector<double> samples;
  std::vector<double> run_p99;
};

double percentile(std::vector<double>& sorted, double p) {
  return sorted.empty() ? 0.0 : sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

double run_percentile(std::vector<double> samples, double p) {
  std::sort(samples.begin(), samples.end());
  return percentile(samples, p);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::max(1, std::atoi(argv[i + 1]));
  }
  const fs::path ls_dir = scratch_dir("leadscout");
  ll::Config cfg;
  cfg.dir = ls_dir;
  cfg.console = ll::ConsoleMode::off;
  cfg.retention_days = 0;
  ll::init(cfg);
  const ll::Logger log = ll::get("production");
  const auto leadscout_event = [&log](int i) {
    log.info("Item processed", {{"item_id", i},
                                {"name", "MOKGADI MOTALE"},
                                {"result", "african"},
                                {"confidence", 0.85},
                                {"provider", "anthropic"},
                                {"elapsed_ms", 412}});
  };

  const fs::path sp_dir = scratch_dir("spdlog");
  auto pool = std::make_shared<spdlog::details::thread_pool>(8192, 1);
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>((sp_dir / "operations.log").string());
  auto spd = std::make_shared<spdlog::async_logger>("production", sink, pool, spdlog::async_overflow_policy::block);
  spd->set_pattern(R"({"timestamp":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n",%v})", spdlog::pattern_time_type::utc);
  const auto spdlog_event = [&spd](int i) {
    spd->info(R"("event":"Item processed","item_id":{},"name":"{}","result":"{}","confidence":{},"provider":"{}","elapsed_ms":{})",
              i, "MOKGADI MOTALE", "african", 0.85, "anthropic", 412);
  };

  std::vector<Case> cases;
  cases.push_back({"leadscout", [] {}, leadscout_event, {}, {}});
  cases.push_back({"leadscout, preallocate() first", [] { ll::preallocate(); }, leadscout_event, {}, {}});
  cases.push_back({"spdlog async, JSON by hand", [] {}, spdlog_event, {}, {}});

  const double timer_ns = timer_cost_ns();
  for (int r = 0; r < runs; ++r) {
    for (Case& c : cases) {
      std::vector<double> samples;
      samples.reserve(calls_per_run);
      run_once(c.prepare, c.event, timer_ns, samples);
      c.run_p99.push_back(run_percentile(samples, 0.99));
      c.samples.insert(c.samples.end(), samples.begin(), samples.end());
      // Let the backends catch up, so that no run starts with another's events queued.
      ll::flush();
      spd->flush();
      while (pool->queue_size() != 0) std::this_thread::yield();
    }
  }
  std::printf("caller latency from a thread's first call: %d runs of %d calls, bursts of %d, %lld us pauses, timer cost %.0f ns subtracted\n",
              runs, calls_per_run, burst, static_cast<long long>(pause_after_burst.count()), timer_ns);
  std::printf("%-34s %8s %8s %8s %10s   %s\n", "case", "p50 ns", "p99 ns", "p99.9 ns", "max ns", "p99 of each run (ns)");
  for (Case& c : cases) {
    std::sort(c.samples.begin(), c.samples.end());
    std::string each;
    for (double p : c.run_p99) {
      if (!each.empty()) each += ' ';
      each += std::to_string(static_cast<long long>(p));
    }
    std::printf("%-34s %8.0f %8.0f %8.0f %10.0f   %s\n", c.name, percentile(c.samples, 0.50), percentile(c.samples, 0.99),
                percentile(c.samples, 0.999), c.samples.back(), each.c_str());
  }
  ll::shutdown();
  spd.reset();
  pool.reset();
  fs::remove_all(ls_dir);
  fs::remove_all(sp_dir);
  return 0;
}

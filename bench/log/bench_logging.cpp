// The reference event through (a) leadscout's routed JSON files, (b) plain spdlog async with
// the JSON line formatted by hand, and (c) a disabled debug event. The reference event has five
// fields: a string, an int, a double, a bool and a string.
//
//   build/release/bench/log/bench_logging --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <leadscout/log.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

namespace ll = leadscout::log;
namespace fs = std::filesystem;

namespace {

constexpr int events_per_round = 20000;
constexpr int burst = 100;

fs::path scratch_dir(const char* name) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("leadscout-bench-{}-{}", ::getpid(), name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// ---- (a) leadscout -----------------------------------------------------------------------

struct Leadscout {
  fs::path dir = scratch_dir("leadscout");
  Leadscout() {
    ll::Config cfg;
    cfg.dir = dir;
    cfg.console = ll::ConsoleMode::off;
    cfg.retention_days = 0;
    ll::init(cfg);
  }
  ~Leadscout() {
    ll::shutdown();
    fs::remove_all(dir);
  }
  ll::Logger log = ll::get("production");
  void event(int i) const {
    log.info("Item processed", {{"name", "MOKGADI MOTALE"},
                                {"item_id", i},
                                {"confidence", 0.85},
                                {"cached", true},
                                {"provider", "anthropic"}});
  }
  static void flush() { ll::flush(); }
};

// ---- (b) plain spdlog, JSON by hand ------------------------------------------------------

struct PlainSpdlog {
  fs::path dir = scratch_dir("spdlog");
  std::shared_ptr<spdlog::details::thread_pool> pool = std::make_shared<spdlog::details::thread_pool>(8192, 1);
  std::shared_ptr<spdlog::async_logger> logger;
  PlainSpdlog() {
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>((dir / "operations.log").string());
    logger = std::make_shared<spdlog::async_logger>("production", sink, pool, spdlog::async_overflow_policy::block);
    logger->set_pattern(R"({"timestamp":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n",%v})", spdlog::pattern_time_type::utc);
  }
  ~PlainSpdlog() {
    logger.reset();
    pool.reset();
    fs::remove_all(dir);
  }
  void event(int i) const {
    logger->info(R"("event":"Item processed","name":"{}","item_id":{},"confidence":{},"cached":{},"provider":"{}")",
                 "MOKGADI MOTALE", i, 0.85, true, "anthropic");
  }
  void flush() const {
    // spdlog's flush only posts a request; wait until the queue has drained, then flush.
    logger->flush();
    while (pool->queue_size() != 0) std::this_thread::yield();
    logger->flush();
  }
};

template <class Backend>
Backend& backend() {
  static Backend b;
  return b;
}

/// Events per second until everything is written out.
template <class Backend>
void throughput(benchmark::State& state) {
  Backend& b = backend<Backend>();
  for (auto _ : state) {
    for (int i = 0; i < events_per_round; ++i) b.event(i);
    if (state.thread_index() == 0) b.flush();
  }
  state.SetItemsProcessed(state.iterations() * events_per_round);
}

/// Caller-side ns per call: bursts of 100 timed calls, with the queue drained between bursts.
template <class Backend>
void caller_latency(benchmark::State& state) {
  Backend& b = backend<Backend>();
  std::vector<double> samples;
  samples.reserve(1 << 20);
  for (auto _ : state) {
    double total = 0;
    for (int i = 0; i < burst; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      b.event(i);
      const auto t1 = std::chrono::steady_clock::now();
      const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
      samples.push_back(ns);
      total += ns;
    }
    state.SetIterationTime(total * 1e-9);
    b.flush();
  }
  std::sort(samples.begin(), samples.end());
  auto pct = [&](double p) { return samples.empty() ? 0.0 : samples[static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1))]; };
  state.counters["p50_ns"] = pct(0.50);
  state.counters["p99_ns"] = pct(0.99);
  state.SetItemsProcessed(state.iterations() * burst);
}

void disabled_debug(benchmark::State& state) {
  Leadscout& b = backend<Leadscout>();
  const auto log = ll::get("production");  // the production route takes info and above
  for (auto _ : state) {
    // No ClobberMemory(): it would force the field list into memory, which the compiler
    // leaves out of a disabled call in real code. The logger is re-read every time.
    benchmark::DoNotOptimize(&log);
    log.debug("Rule classification attempt", {{"name", "MOKGADI MOTALE"}, {"attempt", 1}});
  }
  (void)b;
}

void disabled_debug_macro(benchmark::State& state) {
  Leadscout& b = backend<Leadscout>();
  const auto log = ll::get("production");
  for (auto _ : state) {
    benchmark::DoNotOptimize(&log);
    LEADSCOUT_DEBUG(log, "Rule classification attempt", {{"name", "MOKGADI MOTALE"}, {"attempt", 1}});
  }
  (void)b;
}

}  // namespace

BENCHMARK(throughput<Leadscout>)->Name("a_leadscout_throughput")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(throughput<PlainSpdlog>)->Name("b_spdlog_json_throughput")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(caller_latency<Leadscout>)->Name("a_leadscout_caller")->Threads(1)->Threads(2)->UseManualTime();
BENCHMARK(caller_latency<PlainSpdlog>)->Name("b_spdlog_json_caller")->Threads(1)->Threads(2)->UseManualTime();
BENCHMARK(disabled_debug)->Name("c_disabled_debug");
BENCHMARK(disabled_debug_macro)->Name("c_disabled_debug_macro");

BENCHMARK_MAIN();

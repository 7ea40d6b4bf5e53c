// How long a logging call keeps its thread, from the thread's first call on: bursts of 100 calls
// of the reference event ("Item processed" with item_id, name, result, confidence, provider and
// elapsed_ms), a 200 µs pause after each burst (spent spinning, as a busy thread would), 20,000
// calls per run. Each run is a new process (its logging set up afresh, its allocator cold) and
// logs from a new thread, so a run sees everything a thread's first calls pay. Each call is
// timed with steady_clock, less the cost of the two clock reads. Cases: leadscout (routed JSON
// files, async), leadscout after preallocate() on the thread, spdlog's async logger with the
// same JSON line formatted by hand, and two that show where leadscout's time goes: the call with
// no fields, and the reference event at a level not written. Runs alternate between the cases, so a change in the
// machine's load hits all of them alike.
//
//   build/release/bench/log/bench_latency [--runs N]    (default 5 runs of each case)
#include <leadscout/log.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
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

/// The timed calls on a new thread, after `prepare` (not timed).
template <class Prepare, class Event>
std::vector<double> timed_calls(Prepare prepare, Event event, double timer_ns) {
  std::vector<double> samples;
  samples.reserve(calls_per_run);
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
  return samples;
}

// The last two show where the reference event's time goes: the same call with no fields, and
// the call at a level the logger does not write (the level check alone).
enum class Subject { leadscout, leadscout_preallocated, spdlog, leadscout_no_fields, leadscout_disabled };

/// The reference event, at `level`.
template <ll::Level level>
void reference_event(const ll::Logger& log, int i) {
  log.log(level, "Item processed", {{"item_id", i},
                                    {"name", "MOKGADI MOTALE"},
                                    {"result", "african"},
                                    {"confidence", 0.85},
                                    {"provider", "anthropic"},
                                    {"elapsed_ms", 412}});
}

void leadscout_run(Subject subject, double timer_ns, std::vector<double>& samples) {
  const fs::path dir = scratch_dir("leadscout");
  ll::Config cfg;
  cfg.dir = dir;
  cfg.console = ll::ConsoleMode::off;
  cfg.retention_days = 0;
  ll::init(cfg);
  const ll::Logger log = ll::get("production");
  switch (subject) {
    case Subject::leadscout_no_fields:
      samples = timed_calls([] {}, [&log](int) { log.info("Item processed"); }, timer_ns);
      break;
    case Subject::leadscout_disabled:
      samples = timed_calls([] {}, [&log](int i) { reference_event<ll::Level::debug>(log, i); }, timer_ns);
      break;
    default:
      samples = timed_calls([subject] { if (subject == Subject::leadscout_preallocated) ll::preallocate(); },
                            [&log](int i) { reference_event<ll::Level::info>(log, i); }, timer_ns);
  }
  ll::shutdown();
  fs::remove_all(dir);
}

void spdlog_run(double timer_ns, std::vector<double>& samples) {
  const fs::path dir = scratch_dir("spdlog");
  {
    auto pool = std::make_shared<spdlog::details::thread_pool>(8192, 1);
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>((dir / "operations.log").string());
    auto logger = std::make_shared<spdlog::async_logger>("production", sink, pool, spdlog::async_overflow_policy::block);
    logger->set_pattern(R"({"timestamp":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n",%v})",
                        spdlog::pattern_time_type::utc);
    samples = timed_calls([] {},
                          [&logger](int i) {
                            logger->info(R"("event":"Item processed","item_id":{},"name":"{}","result":"{}","confidence":{},"provider":"{}","elapsed_ms":{})",
                                         i, "MOKGADI MOTALE", "african", 0.85, "anthropic", 412);
                          },
                          timer_ns);
  }
  fs::remove_all(dir);
}

/// One run in a child process; its samples come back through a pipe (empty if it failed).
std::vector<double> run_in_child(Subject subject, double timer_ns) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::vector<double> samples;
    if (subject == Subject::spdlog) {
      spdlog_run(timer_ns, samples);
    } else {
      leadscout_run(subject, timer_ns, samples);
    }
    const auto* bytes = reinterpret_cast<const char*>(samples.data());
    std::size_t left = samples.size() * sizeof(double);
    while (left > 0) {
      const ssize_t n = ::write(fds[1], bytes, left);
      if (n <= 0) ::_exit(1);
      bytes += n, left -= static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::vector<double> samples(calls_per_run);
  auto* bytes = reinterpret_cast<char*>(samples.data());
  std::size_t got = 0;
  for (ssize_t n = 0; got < samples.size() * sizeof(double); got += static_cast<std::size_t>(n)) {
    n = ::read(fds[0], bytes + got, samples.size() * sizeof(double) - got);
    if (n <= 0) break;
  }
  ::close(fds[0]);
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, 0);
  if (pid < 0 || got != samples.size() * sizeof(double) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  return samples;
}

struct Case {
  const char* name;
  Subject subject;
  std::vector<double> samples;
  std::vector<double> run_p99;
};

double percentile(const std::vector<double>& sorted, double p) {
  return sorted.empty() ? 0.0 : sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::max(1, std::atoi(argv[i + 1]));
  }
  std::vector<Case> cases{{"leadscout", Subject::leadscout, {}, {}},
                          {"leadscout, preallocate() first", Subject::leadscout_preallocated, {}, {}},
                          {"spdlog async, JSON by hand", Subject::spdlog, {}, {}},
                          {"leadscout, the event without fields", Subject::leadscout_no_fields, {}, {}},
                          {"leadscout, a level not written", Subject::leadscout_disabled, {}, {}}};
  const double timer_ns = timer_cost_ns();
  for (int r = 0; r < runs; ++r) {
    for (Case& c : cases) {
      std::vector<double> samples = run_in_child(c.subject, timer_ns);
      if (samples.empty()) {
        std::fprintf(stderr, "bench_latency: a run of %s failed\n", c.name);
        return 1;
      }
      c.samples.insert(c.samples.end(), samples.begin(), samples.end());
      std::sort(samples.begin(), samples.end());
      c.run_p99.push_back(percentile(samples, 0.99));
    }
  }
  std::printf("caller latency from a thread's first call, each run a new process: %d runs of %d calls, bursts of %d, "
              "%lld us pauses, timer cost %.0f ns subtracted\n",
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
  return 0;
}

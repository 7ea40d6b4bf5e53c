// Memory and resume time of a streamed input: N no-op items from a generator into a JSONL
// result file; the same input again, resumed from the N-line journal (the result file checked
// against it); once more with results going to a callback (no file to check); and the same
// run and resume with a CSV result file. Each phase runs in its own child process, so each
// peak RSS is its own; the CPU time beside the wall time tells a busy machine apart.
//
//   bench_stream [--items 10000000] [--dir DIR] [--resume-only [--csv]]
// A DIR given is kept; --resume-only resumes the run left there (its CSV run with --csv), for
// profiling.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include <leadscout/batch.hpp>
#include <leadscout/log.hpp>

#include "noop_items.hpp"

#include "generated_items.hpp"

namespace lb = leadscout::batch;
namespace ll = leadscout::log;
namespace fs = std::filesystem;

namespace {

using leadscout::bench::Item;
using leadscout::bench::Result;

Item lead_at(std::size_t i) { return Item{"lead-" + std::to_string(i)}; }

enum class Sink { jsonl, csv, callback };

/// One phase in this (child) process: exits 0 when every item is done. The CSV run keeps its
/// journal and file in DIR/csv.
[[noreturn]] void run_phase(const fs::path& base, std::size_t items, Sink sink) {
  const fs::path dir = sink == Sink::csv ? base / "csv" : base;
  ll::Config cfg;
  cfg.dir = dir / "logs";
  cfg.console = ll::ConsoleMode::off;
  ll::init(cfg);
  lb::Options opt;
  opt.operation = "bench_stream";
  opt.progress_dir = dir / "progress";
  opt.concurrency = 2;
  opt.handle_signals = false;
  opt.progress_bar = lb::ProgressBarMode::off;
  if (sink == Sink::jsonl) {
    opt.results = lb::jsonl_results(dir / "results.jsonl");
  } else if (sink == Sink::csv) {
    opt.results = lb::csv_results(dir / "results.csv");
  } else {
    opt.results = [](std::string_view, const Result&) {};
  }
  lb::BackgroundProcessor<Item, Result> proc(opt);
  // Made one at a time, as a generator or a file reader would.
  leadscout::test::batch::GeneratedItems<Item, Item (*)(std::size_t)> input(items, lead_at);
  const auto s = proc.run(input, [](const Item&, lb::Context&) -> lb::Outcome<Result> { return Result{1}; });
  ll::shutdown();
  std::_Exit(s.status == lb::Status::completed && s.succeeded == items ? 0 : 1);
}

struct Figures {
  double seconds = 0;
  double cpu_seconds = 0;  ///< user + system
  double peak_mib = 0;
  bool ok = false;
};

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

Figures in_child(const fs::path& dir, std::size_t items, Sink sink) {
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) run_phase(dir, items, sink);
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  Figures f;
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  f.cpu_seconds = seconds_of(ru.ru_utime) + seconds_of(ru.ru_stime);
  f.peak_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  f.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return f;
}

void print(const std::string& what, const Figures& f) {
  std::printf("%s: %.2f s (CPU %.2f s), peak RSS %.0f MiB%s\n", what.c_str(), f.seconds, f.cpu_seconds, f.peak_mib,
              f.ok ? "" : " (FAILED)");
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t items = 10000000;
  bool resume_only = false;
  bool csv = false;
  bool keep = false;
  fs::path dir = fs::temp_directory_path() / ("leadscout-bench-stream-" + std::to_string(::getpid()));
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--resume-only") resume_only = true;
    if (flag == "--csv") csv = true;
    if (i + 1 < argc && flag == "--items") items = static_cast<std::size_t>(std::atoll(argv[++i]));
    if (i + 1 < argc && flag == "--dir") {
      dir = argv[++i];
      keep = true;
    }
  }
  if (resume_only) run_phase(dir, items, csv ? Sink::csv : Sink::jsonl);
  fs::remove_all(dir);
  fs::create_directories(dir / "csv");
  const Figures fresh = in_child(dir, items, Sink::jsonl);
  const Figures resume = in_child(dir, items, Sink::jsonl);
  const Figures resume_callback = in_child(dir, items, Sink::callback);
  fs::remove(dir / "results.jsonl");  // room for the CSV run's files
  const Figures fresh_csv = in_child(dir, items, Sink::csv);
  const Figures resume_csv = in_child(dir, items, Sink::csv);
  const std::string n = std::to_string(items);
  print("streamed no-op items into JSONL: " + n + " items", fresh);
  print("resume from the " + n + "-line journal, JSONL result file checked", resume);
  print("resume from the " + n + "-line journal, results to a callback", resume_callback);
  print("streamed no-op items into CSV: " + n + " items", fresh_csv);
  print("resume from the " + n + "-line journal, CSV result file checked", resume_csv);
  if (!keep) fs::remove_all(dir);
  const bool ok = fresh.ok && resume.ok && resume_callback.ok && fresh_csv.ok && resume_csv.ok;
  return ok ? 0 : 1;
}

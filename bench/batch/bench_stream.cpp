// Memory and resume time of a streamed input: N no-op items from a generator into a JSONL
// result file; the same input again, resumed from the N-line journal (the result file checked
// against it); and once more with results going to a callback (no file to check). Each phase
// runs in its own child process, so each peak RSS is its own.
//
//   bench_stream [--items 10000000] [--dir DIR] [--resume-only]
// A DIR given is kept; --resume-only resumes the run left there, for profiling.
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

/// One phase in this (child) process: exits 0 when every item is done.
[[noreturn]] void run_phase(const fs::path& dir, std::size_t items, bool to_file) {
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
  if (to_file) {
    opt.results = lb::jsonl_results(dir / "results.jsonl");
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
  double peak_mib = 0;
  bool ok = false;
};

Figures in_child(const fs::path& dir, std::size_t items, bool to_file) {
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) run_phase(dir, items, to_file);
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  Figures f;
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  f.peak_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  f.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t items = 10000000;
  bool resume_only = false;
  bool keep = false;
  fs::path dir = fs::temp_directory_path() / ("leadscout-bench-stream-" + std::to_string(::getpid()));
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--resume-only") resume_only = true;
    if (i + 1 < argc && flag == "--items") items = static_cast<std::size_t>(std::atoll(argv[++i]));
    if (i + 1 < argc && flag == "--dir") {
      dir = argv[++i];
      keep = true;
    }
  }
  if (resume_only) {
    run_phase(dir, items, true);
  }
  fs::remove_all(dir);
  fs::create_directories(dir);
  const Figures fresh = in_child(dir, items, true);
  const Figures resume = in_child(dir, items, true);
  const Figures resume_callback = in_child(dir, items, false);
  std::printf("streamed no-op items into JSONL: %zu items in %.2f s, peak RSS %.0f MiB%s\n", items, fresh.seconds,
              fresh.peak_mib, fresh.ok ? "" : " (FAILED)");
  std::printf("resume from the %zu-line journal, JSONL result file checked: %.2f s, peak RSS %.0f MiB%s\n", items,
              resume.seconds, resume.peak_mib, resume.ok ? "" : " (FAILED)");
  std::printf("resume from the %zu-line journal, results to a callback: %.2f s, peak RSS %.0f MiB%s\n", items,
              resume_callback.seconds, resume_callback.peak_mib, resume_callback.ok ? "" : " (FAILED)");
  if (!keep) fs::remove_all(dir);
  return fresh.ok && resume.ok && resume_callback.ok ? 0 : 1;
}

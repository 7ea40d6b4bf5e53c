// A child process for the crash, signal and exit-code tests: runs a batch and exits with exit_code().
//   batch_child <progress_dir> <items> <item_us> [fsize_limit_bytes [fail_every]]
// fsize_limit_bytes 0 sets no limit; with fail_every N, every Nth item (0, N, 2N, ...) fails finally.
// Prints "phase=stopping" when a stop begins and, at the end,
// "status=<status> succeeded=<n> results=<n> skipped=<n> failed=<n>" on stdout.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <leadscout/batch.hpp>

namespace lb = leadscout::batch;

namespace {

struct Item {
  std::string id;
  int value = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: batch_child <progress_dir> <items> <item_us> [fsize_limit [fail_every]]\n");
    return 2;
  }
  const int n = std::atoi(argv[2]);
  const int item_us = std::atoi(argv[3]);
  const int fail_every = argc > 5 ? std::atoi(argv[5]) : 0;
  if (argc > 4 && std::strtoull(argv[4], nullptr, 10) > 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlim_t limit = std::strtoull(argv[4], nullptr, 10);
    struct rlimit rl {
      limit, limit
    };
    setrlimit(RLIMIT_FSIZE, &rl);
  }
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) items.push_back(Item{"item-" + std::to_string(i), i});
  lb::Options opt;
  opt.operation = "child";
  opt.progress_dir = argv[1];
  opt.concurrency = 4;
  opt.progress_interval = std::chrono::milliseconds(5);
  opt.checkpoint_interval = std::chrono::milliseconds(20);
  opt.shutdown_grace = std::chrono::seconds(30);
  opt.progress_bar = lb::ProgressBarMode::off;
  opt.on_phase = [](lb::RunPhase phase, const std::filesystem::path&) {
    if (phase != lb::RunPhase::stopping) return;
    std::printf("phase=stopping\n");
    std::fflush(stdout);
  };
  lb::BackgroundProcessor<Item, int> proc(opt);
  auto summary = proc.run(items, [&](const Item& item, lb::Context& ctx) -> lb::Outcome<int> {
    // Honours cancellation: waits in small steps.
    for (int waited = 0; waited < item_us && !ctx.stop_token().stop_requested(); waited += 100) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    if (ctx.stop_token().stop_requested()) return lb::Failure{"cancelled", lb::Retry::no};
    if (fail_every > 0 && item.value % fail_every == 0) return lb::Failure{"unclassifiable", lb::Retry::no};
    return item.value * 2;
  });
  for (const auto& [id, value] : summary.results) {
    if (value != std::stoi(id.substr(5)) * 2) {
      std::fprintf(stderr, "wrong result for %s\n", id.c_str());
      return 2;
    }
  }
  std::printf("status=%s succeeded=%zu results=%zu skipped=%zu failed=%zu\n",
              std::string(lb::to_string(summary.status)).c_str(), summary.succeeded, summary.results.size(),
              summary.skipped_resumed, summary.failed);
  std::fflush(stdout);
  return lb::exit_code(summary);
}

// A child process for the quota tests: runs a batch whose callback takes a permit of the quota
// "llm" and exits with exit_code().
//   quota_child <progress_dir> <items> budget <budget_usd> [call_ms]   each call costs $0.01
//   quota_child <progress_dir> <items> halt <concurrency>    every call is refused with a 401
// A call lasts call_ms (default 2). Shards come from LEADSCOUT_SHARD, a shared quota from
// LEADSCOUT_QUOTA_REDIS.
// Each call that reaches the "provider" appends the item's id to <progress_dir>/calls.txt.
// Prints "status=<status> reason=<reason>" on stdout at the end.
#include <fcntl.h>
#include <unistd.h>

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
};

void record_call(const std::filesystem::path& file, const std::string& id) {
  const std::string line = id + "\n";
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return;
  (void)!::write(fd, line.data(), line.size());  // one write: lines of concurrent calls never mix
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: quota_child <progress_dir> <items> budget|halt <value> [call_ms]\n");
    return 2;
  }
  const int call_ms = argc == 6 ? std::atoi(argv[5]) : 2;
  const std::filesystem::path dir = argv[1];
  const int n = std::atoi(argv[2]);
  const std::string mode = argv[3];
  const bool halt = mode == "halt";
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) items.push_back(Item{"item-" + std::to_string(i)});
  lb::Options opt;
  opt.operation = "quota_child";
  opt.progress_dir = dir;
  opt.concurrency = halt ? static_cast<std::size_t>(std::atoi(argv[4])) : 4;
  opt.progress_bar = lb::ProgressBarMode::off;
  opt.quotas = {lb::Quota{.name = "llm", .budget_usd = halt ? 0.0 : std::atof(argv[4])}};
  lb::BackgroundProcessor<Item, int> proc(opt);
  const auto summary = proc.run(items, [&](const Item& item, lb::Context& ctx) -> lb::Outcome<int> {
    lb::Permit permit = ctx.acquire("llm", lb::Usage{.tokens = 100, .cost_usd = 0.01});
    if (!permit) return permit.failure();
    record_call(dir / "calls.txt", item.id);
    std::this_thread::sleep_for(std::chrono::milliseconds(call_ms));
    if (halt) return lb::Failure{.reason = "unauthorized", .retry = lb::Retry::no, .halt = true};
    permit.settle(lb::Usage{.tokens = 100, .cost_usd = 0.01});
    return 1;
  });
  std::printf("status=%s reason=%s\n", std::string(lb::to_string(summary.status)).c_str(), summary.reason.c_str());
  std::fflush(stdout);
  return lb::exit_code(summary);
}

// A batch of slow items with the monitor on a free loopback port, for the browser test.
//   monitor_dashboard_child <work_dir> <items> <concurrency> <item_ms>
// Prints "port=<n>" once serving and "done <status>" when the batch ends, then serves on
// until its standard input closes.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "leadscout/batch.hpp"
#include "leadscout/log.hpp"
#include "leadscout/monitor.hpp"

namespace lb = leadscout::batch;
namespace lm = leadscout::monitor;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: monitor_dashboard_child <work_dir> <items> <concurrency> <item_ms>\n";
    return 2;
  }
  const std::filesystem::path work = argv[1];
  const int count = std::stoi(argv[2]);
  const auto item_time = std::chrono::milliseconds(std::stoi(argv[4]));

  leadscout::log::Config cfg;
  cfg.dir = work / "logs";
  cfg.console = leadscout::log::ConsoleMode::off;
  leadscout::log::init(cfg);

  lb::Options opt;
  opt.operation = "demo_500_leads";
  opt.progress_dir = work / "progress";
  opt.concurrency = static_cast<std::size_t>(std::stoi(argv[3]));
  opt.handle_signals = false;
  opt.progress_bar = lb::ProgressBarMode::off;
  opt.progress_interval = std::chrono::milliseconds(200);
  opt.retry.initial_backoff = std::chrono::milliseconds(20);
  opt.retry.max_attempts = 2;
  opt.fresh = true;

  lm::Options mo;
  mo.address = "127.0.0.1:0";
  mo.progress_dir = opt.progress_dir;
  std::filesystem::create_directories(mo.progress_dir);
  auto server = lm::serve(mo.address, mo);
  std::cout << "port=" << server->port() << std::endl;

  struct Lead {
    int id;
  };
  std::vector<Lead> leads;
  for (int i = 1; i <= count; ++i) leads.push_back({i});
  lb::BackgroundProcessor<Lead, std::string> proc(opt);
  server->set_readiness(lm::Readiness::ready);
  auto log = leadscout::log::get("classification");
  auto summary = proc.run(std::span<const Lead>(leads), [&](const Lead& lead, lb::Context& ctx) -> lb::Outcome<std::string> {
    std::this_thread::sleep_for(item_time);
    if (lead.id % 97 == 0) {
      log.error("Classification failed", {{"item_id", lead.id}, {"reason", "unparseable model answer"}});
      return lb::Failure{"unparseable", lb::Retry::no};
    }
    if (lead.id % 41 == 0 && ctx.attempt() == 1) {
      log.warning("API rate limited", {{"item_id", lead.id}, {"retry_after_ms", 20}});
      return lb::Failure{"rate_limited", lb::Retry::yes};
    }
    return std::string(lead.id % 3 == 0 ? "african" : "other");
  });
  server->refresh();
  std::cout << "done " << lb::to_string(summary.status) << std::endl;

  std::string line;
  while (std::getline(std::cin, line)) {
  }
  server->stop();
  leadscout::log::shutdown();
  return 0;
}

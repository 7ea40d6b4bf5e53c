// A child process for the logging tests: logs to LEADSCOUT_LOG_DIR and ends in the way the
// test asks, so the exit path can be checked from outside.
//   log_child N return|exit     N events, then return from main or call exit() (no shutdown())
//   log_child 0 sigterm         8 threads log until SIGTERM; the handler thread shuts logging
//                               down and the process exits 143
//   log_child N paced TAG       N "tick" events on the classification logger, one a millisecond,
//                               each with writer=TAG and seq=0..N-1
#include <leadscout/log.hpp>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace ll = leadscout::log;

namespace {

int log_until_sigterm() {
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, nullptr);  // inherited by every thread below
  std::atomic<bool> stop{false};
  std::vector<std::thread> producers;
  for (int t = 0; t < 8; ++t) {
    producers.emplace_back([t, &stop] {
      auto log = ll::get("production").bind({{"thread", t}});
      for (int seq = 0; !stop.load(std::memory_order_relaxed); ++seq) log.info("tick", {{"seq", seq}});
    });
  }
  std::puts("ready");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&term, &sig);
  ll::shutdown();  // everything logged before this returns is on disk
  stop = true;
  for (auto& p : producers) p.join();
  return 128 + SIGTERM;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const std::string mode = argc > 2 ? argv[2] : "return";
  ll::init(ll::Config::from_env());
  if (mode == "sigterm") return log_until_sigterm();
  if (mode == "paced") {
    auto log = ll::get("classification").bind({{"writer", argc > 3 ? argv[3] : "?"}});
    for (int i = 0; i < n; ++i) {
      log.info("tick", {{"seq", i}});
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return 0;
  }
  auto log = ll::get("production");
  for (int i = 0; i < n; ++i) log.info("Item processed", {{"item_id", i}});
  if (mode == "exit") std::exit(0);
  return 0;
}

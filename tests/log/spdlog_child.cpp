// A child process for the spdlog interop tests: a program that already logs with spdlog, then
// starts leadscout and captures its spdlog loggers.
//   spdlog_child return|exit    log before init, capture, log, shut down, log again, then
//                               return from main or call exit() with the loggers still captured
// Prints "done" on stdout at the end.
#include <leadscout/log.hpp>
#include <leadscout/log/spdlog.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace ll = leadscout::log;

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "return";
  auto api = spdlog::stdout_logger_mt("api.openai");  // a named, registered logger
  api->set_level(spdlog::level::debug);
  spdlog::info("before capture");

  ll::init(ll::Config::from_env());
  ll::capture_spdlog();
  spdlog::info("Processed {} leads", 3);
  spdlog::warn("Slow provider {}", "openai");
  spdlog::error("Lead {} failed", 7);
  api->debug("request sent");
  api->info("200 OK");
  auto later = std::make_shared<spdlog::logger>("classification.rules", ll::spdlog_sink());
  later->info("rule matched");

  if (mode == "exit") {
    std::puts("done");
    std::fflush(stdout);
    std::exit(0);  // leadscout shuts down at exit while spdlog's loggers still hold its sinks
  }
  ll::shutdown();
  spdlog::info("after shutdown");
  api->info("api after shutdown");
  later->warn("later after shutdown");  // a spdlog_sink() logger: stderr, as a Logger's fallback
  spdlog::default_logger()->flush();
  api->flush();
  std::puts("done");
  return 0;
}

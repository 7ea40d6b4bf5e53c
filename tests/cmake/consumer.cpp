// A program outside the leadscout tree: proves the library is consumable as installed.
#include <leadscout/log.hpp>

#include <cstdio>

int main() {
  namespace ll = leadscout::log;
  auto cfg = ll::Config::from_env();
  cfg.console = ll::ConsoleMode::off;
  ll::init(cfg);
  ll::get("production").info("consumer works", {{"version", leadscout::version}});
  ll::shutdown();
  std::puts("consumer ok");
  return 0;
}

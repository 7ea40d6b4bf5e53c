// A child process for the logging tests: logs N events to LEADSCOUT_LOG_DIR and exits without
// calling shutdown(), or with the mode given, so the exit path can be checked from outside.
#include <leadscout/log.hpp>

#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  namespace ll = leadscout::log;
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const std::string mode = argc > 2 ? argv[2] : "return";
  ll::init(ll::Config::from_env());
  auto log = ll::get("production");
  for (int i = 0; i < n; ++i) log.info("Item processed", {{"item_id", i}});
  if (mode == "exit") std::exit(0);
  return 0;
}

// The demo's log tree: the routes and console loggers it passes to Config::from_env().
#include "log_setup.hpp"

namespace ll = leadscout::log;

namespace demo {

std::vector<ll::Route> log_routes(ll::Format file_format) {
  using ll::Level;
  // file, loggers, lowest level, highest level, format
  return {
      {"debug/classification-{date}.log", {"classification"}, Level::debug, Level::critical, file_format},
      {"debug/api-calls-{date}.log", {"api"}, Level::debug, Level::critical, file_format},
      {"debug/performance-{date}.log", {"performance"}, Level::debug, Level::critical, file_format},
      {"production/operations-{date}.log", {"*", "!progress"}, Level::info, Level::critical, file_format},
      {"production/errors-{date}.log", {"*"}, Level::error, Level::critical, file_format},
      {"production/metrics-{date}.log", {"metrics"}, Level::info, Level::critical, file_format},
      {"progress/current-operation.log", {"progress"}, Level::trace, Level::critical, ll::Format::console},
  };
}

std::vector<std::string> console_loggers() { return {"*", "!progress"}; }

ll::Config log_config_from_env() {
  ll::Config base;
  base.routes = log_routes();
  base.console_loggers = console_loggers();
  return ll::Config::from_env(std::move(base));
}

}  // namespace demo

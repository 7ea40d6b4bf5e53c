// The demo's log tree as data: its routes and the loggers its console shows.
#pragma once

#include <string>
#include <vector>

#include "leadscout/log/config.hpp"

namespace demo {

/// The demo's routes, one file each for what it logs: the classification attempts, the API
/// calls and the timings (debug/), operations, errors and metrics (production/), and the
/// `progress` logger's human lines (progress/current-operation.log). Dated files are written
/// in `file_format`.
std::vector<leadscout::log::Route> log_routes(leadscout::log::Format file_format = leadscout::log::Format::json);

/// Every logger but `progress`: the terminal shows the progress bar instead of its lines.
std::vector<std::string> console_loggers();

/// The demo's tree with the LEADSCOUT_LOG_* variables applied (Config::from_env); throws
/// leadscout::Error on a bad variable.
leadscout::log::Config log_config_from_env();

}  // namespace demo

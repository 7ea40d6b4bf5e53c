// Serving the monitoring endpoint for a BackgroundProcessor's runs.
#pragma once

#include <optional>
#include <string>

#include "leadscout/batch/options.hpp"
#include "leadscout/monitor/export.hpp"
#include "leadscout/monitor/server.hpp"

namespace leadscout::monitor {

/// Makes the processor serve the monitoring endpoint during its runs: on `address`, or, when
/// that is empty, on LEADSCOUT_HTTP if set (nothing listens otherwise). The server starts when
/// run() starts, /readyz follows the run (starting, ready, then stopping once it stops), and it
/// keeps serving the final state until the last copy of opt.on_phase (the processor's, and
/// opt's own) is destroyed. Other fields come from
/// `base`; the progress directory is the processor's. Chains an existing Options::on_phase.
/// A bad address or LEADSCOUT_HTTP value throws leadscout::Error when run() starts.
LEADSCOUT_MONITOR_EXPORT void attach(batch::Options& opt, std::string address = {}, Options base = {});

}  // namespace leadscout::monitor

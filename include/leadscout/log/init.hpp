// Starting logging with a configuration. Code that only logs needs logger.hpp alone.
#pragma once

#include "leadscout/log/config.hpp"
#include "leadscout/log/export.hpp"
#include "leadscout/log/logger.hpp"

namespace leadscout::log {

/// Starts logging with cfg (replacing a previous configuration). Throws leadscout::Error when the
/// log directory cannot be created or written, naming the path and the reason.
LEADSCOUT_LOG_EXPORT void init(const Config& cfg);

}  // namespace leadscout::log

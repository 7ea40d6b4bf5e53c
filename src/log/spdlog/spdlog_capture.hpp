// spdlog loggers into the log tree (capture_spdlog(), spdlog_sink()): what the capture needs
// from the logging lifecycle, and the check that keeps its sink out of the routes.
#pragma once

#include <cstdint>

#include "leadscout/log/config.hpp"

namespace leadscout::log::detail {

/// True between init() and shutdown().
[[nodiscard]] bool running() noexcept;
/// How many times shutdown() has run; a capture made before the latest one is over.
[[nodiscard]] std::uint64_t shutdowns() noexcept;

/// Throws leadscout::Error for a route with a sink that cannot work: one that also names a file,
/// or leadscout's own spdlog_sink(), whose lines would come back as events forever.
void check_sink_route(const Route& route);

}  // namespace leadscout::log::detail

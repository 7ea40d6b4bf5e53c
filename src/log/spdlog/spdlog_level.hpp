// leadscout's levels and spdlog's, both ways.
#pragma once

#include <spdlog/common.h>

#include "leadscout/log/level.hpp"

namespace leadscout::log::detail {

/// spdlog's level for `l` (off for off).
[[nodiscard]] inline spdlog::level::level_enum to_spdlog(Level l) noexcept {
  switch (l) {
    case Level::trace: return spdlog::level::trace;
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warning: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
    case Level::critical: return spdlog::level::critical;
    case Level::off: break;
  }
  return spdlog::level::off;
}

/// leadscout's level for spdlog's `l` (off for off and anything unknown).
[[nodiscard]] inline Level from_spdlog(spdlog::level::level_enum l) noexcept {
  switch (l) {
    case spdlog::level::trace: return Level::trace;
    case spdlog::level::debug: return Level::debug;
    case spdlog::level::info: return Level::info;
    case spdlog::level::warn: return Level::warning;
    case spdlog::level::err: return Level::error;
    case spdlog::level::critical: return Level::critical;
    default: return Level::off;
  }
}

}  // namespace leadscout::log::detail

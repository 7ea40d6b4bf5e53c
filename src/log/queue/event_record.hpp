// One event as the queue hands it to the router: when it happened, its level, its logger and
// its encoded fields (front/encoding.hpp). Both ends are leadscout's own, so neither needs
// spdlog's message type.
#pragma once

#include <chrono>
#include <string_view>

#include "leadscout/log/level.hpp"

namespace leadscout::log::detail {

/// The views stay valid during the call that receives the record only.
struct EventRecord {
  std::chrono::system_clock::time_point time;
  Level level = Level::info;
  std::string_view logger;
  std::string_view payload;
};

}  // namespace leadscout::log::detail

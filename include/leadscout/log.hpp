// leadscout::log — structured key-value logging on spdlog, routed into a dated log tree.
//
//   namespace ll = leadscout::log;
//   ll::init(ll::Config::from_env());
//   auto log = ll::get("classification");
//   log.info("Item processed", {{"item_id", 7}, {"result", "african"}});
#pragma once

#include "leadscout/error.hpp"
#include "leadscout/log/config.hpp"
#include "leadscout/log/level.hpp"
#include "leadscout/log/logger.hpp"
#include "leadscout/log/value.hpp"
#include "leadscout/version.hpp"

/// Logs only when the level is enabled; the field list is not evaluated otherwise.
///   LEADSCOUT_LOG(log, leadscout::log::Level::debug, "Rule attempt", {{"name", expensive()}});
#define LEADSCOUT_LOG(logger, level, ...)             \
  do {                                                \
    const auto& leadscout_logger_ = (logger);         \
    if (leadscout_logger_.enabled(level)) {           \
      leadscout_logger_.log((level), __VA_ARGS__);    \
    }                                                 \
  } while (false)

#define LEADSCOUT_TRACE(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::trace, __VA_ARGS__)
#define LEADSCOUT_DEBUG(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::debug, __VA_ARGS__)
#define LEADSCOUT_INFO(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::info, __VA_ARGS__)
#define LEADSCOUT_WARNING(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::warning, __VA_ARGS__)
#define LEADSCOUT_ERROR(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::error, __VA_ARGS__)
#define LEADSCOUT_CRITICAL(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::critical, __VA_ARGS__)

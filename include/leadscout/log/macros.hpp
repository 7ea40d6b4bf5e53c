// The logging macros: the source location of every call, and levels removed at compile time.
#pragma once

#include <cstdint>

#include "leadscout/log/level.hpp"
#include "leadscout/log/logger.hpp"

///@{
/// The values of LEADSCOUT_ACTIVE_LEVEL, the same order as leadscout::log::Level.
#define LEADSCOUT_LEVEL_TRACE 0
#define LEADSCOUT_LEVEL_DEBUG 1
#define LEADSCOUT_LEVEL_INFO 2
#define LEADSCOUT_LEVEL_WARNING 3
#define LEADSCOUT_LEVEL_ERROR 4
#define LEADSCOUT_LEVEL_CRITICAL 5
#define LEADSCOUT_LEVEL_OFF 6
///@}

#ifndef LEADSCOUT_ACTIVE_LEVEL
/// The lowest level the macros keep, a compile definition such as
/// `-DLEADSCOUT_ACTIVE_LEVEL=LEADSCOUT_LEVEL_INFO`: calls below it become no code and their
/// arguments are never evaluated (they are still compiled, so they cannot rot).
#define LEADSCOUT_ACTIVE_LEVEL LEADSCOUT_LEVEL_TRACE
#endif

static_assert(LEADSCOUT_LEVEL_OFF == static_cast<int>(::leadscout::log::Level::off) &&
                  LEADSCOUT_LEVEL_WARNING == static_cast<int>(::leadscout::log::Level::warning),
              "LEADSCOUT_LEVEL_* follow leadscout::log::Level");

/// The location of the macro call, as a leadscout::log::SourceLocation.
#define LEADSCOUT_SOURCE_LOCATION \
  (::leadscout::log::SourceLocation{__FILE__, static_cast<std::uint32_t>(__LINE__), static_cast<const char*>(__func__)})

#if LEADSCOUT_ACTIVE_LEVEL > LEADSCOUT_LEVEL_TRACE
#define LEADSCOUT_COMPILED_IN_(level) (static_cast<int>(level) >= (LEADSCOUT_ACTIVE_LEVEL))
#else
#define LEADSCOUT_COMPILED_IN_(level) true
#endif

/// Logs at a level known at run time, with the call's source location, only when the level
/// is at or above LEADSCOUT_ACTIVE_LEVEL and enabled; otherwise the event and field arguments
/// are not evaluated. `logger` and `level` are evaluated once each. The arguments after the
/// level are those of Logger::log: an event, an optional exception and the fields.
///   LEADSCOUT_LOG(log, leadscout::log::Level::debug, "Rule attempt", {{"name", expensive()}});
#define LEADSCOUT_LOG(logger, level, ...)                                                  \
  do {                                                                                     \
    const auto& leadscout_logger_ = (logger);                                              \
    const ::leadscout::log::Level leadscout_level_ = (level);                              \
    if (LEADSCOUT_COMPILED_IN_(leadscout_level_) && leadscout_logger_.enabled(leadscout_level_)) { \
      leadscout_logger_.log(LEADSCOUT_SOURCE_LOCATION, leadscout_level_, __VA_ARGS__);     \
    }                                                                                      \
  } while (false)

// A call removed at compile time: type-checked, never evaluated, no code.
#define LEADSCOUT_REMOVED_(logger, level, ...)       \
  do {                                               \
    if constexpr (false) {                           \
      LEADSCOUT_LOG(logger, level, __VA_ARGS__);     \
    }                                                \
  } while (false)

#if LEADSCOUT_ACTIVE_LEVEL <= LEADSCOUT_LEVEL_TRACE
/// LEADSCOUT_LOG at trace: `LEADSCOUT_TRACE(log, "event", {{"key", value}})`.
#define LEADSCOUT_TRACE(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::trace, __VA_ARGS__)
#else
#define LEADSCOUT_TRACE(logger, ...) LEADSCOUT_REMOVED_(logger, ::leadscout::log::Level::trace, __VA_ARGS__)
#endif

#if LEADSCOUT_ACTIVE_LEVEL <= LEADSCOUT_LEVEL_DEBUG
/// LEADSCOUT_LOG at debug.
#define LEADSCOUT_DEBUG(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::debug, __VA_ARGS__)
#else
#define LEADSCOUT_DEBUG(logger, ...) LEADSCOUT_REMOVED_(logger, ::leadscout::log::Level::debug, __VA_ARGS__)
#endif

#if LEADSCOUT_ACTIVE_LEVEL <= LEADSCOUT_LEVEL_INFO
/// LEADSCOUT_LOG at info.
#define LEADSCOUT_INFO(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::info, __VA_ARGS__)
#else
#define LEADSCOUT_INFO(logger, ...) LEADSCOUT_REMOVED_(logger, ::leadscout::log::Level::info, __VA_ARGS__)
#endif

#if LEADSCOUT_ACTIVE_LEVEL <= LEADSCOUT_LEVEL_WARNING
/// LEADSCOUT_LOG at warning.
#define LEADSCOUT_WARNING(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::warning, __VA_ARGS__)
#else
#define LEADSCOUT_WARNING(logger, ...) LEADSCOUT_REMOVED_(logger, ::leadscout::log::Level::warning, __VA_ARGS__)
#endif

#if LEADSCOUT_ACTIVE_LEVEL <= LEADSCOUT_LEVEL_ERROR
/// LEADSCOUT_LOG at error: `LEADSCOUT_ERROR(log, "event", e, {{"key", value}})` with an exception.
#define LEADSCOUT_ERROR(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::error, __VA_ARGS__)
#else
#define LEADSCOUT_ERROR(logger, ...) LEADSCOUT_REMOVED_(logger, ::leadscout::log::Level::error, __VA_ARGS__)
#endif

#if LEADSCOUT_ACTIVE_LEVEL <= LEADSCOUT_LEVEL_CRITICAL
/// LEADSCOUT_LOG at critical.
#define LEADSCOUT_CRITICAL(logger, ...) LEADSCOUT_LOG(logger, ::leadscout::log::Level::critical, __VA_ARGS__)
#else
#define LEADSCOUT_CRITICAL(logger, ...) LEADSCOUT_REMOVED_(logger, ::leadscout::log::Level::critical, __VA_ARGS__)
#endif

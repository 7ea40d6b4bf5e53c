// Severity levels of leadscout::log.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "leadscout/log/export.hpp"

namespace leadscout::log {

/// Event severity, lowest first. `off` as a threshold disables everything.
enum class Level : std::uint8_t { trace, debug, info, warning, error, critical, off };

/// Lowercase name as written in JSON lines ("warning", "critical", ...).
[[nodiscard]] LEADSCOUT_LOG_EXPORT std::string_view to_string(Level level) noexcept;

/// Uppercase name as written on the console ("WARNING").
[[nodiscard]] LEADSCOUT_LOG_EXPORT std::string_view to_upper_string(Level level) noexcept;

/// Parses a level name, case-insensitively; accepts the spdlog spellings
/// "warn" and "err" too. Returns nullopt for anything else.
[[nodiscard]] LEADSCOUT_LOG_EXPORT std::optional<Level> parse_level(std::string_view name) noexcept;

}  // namespace leadscout::log

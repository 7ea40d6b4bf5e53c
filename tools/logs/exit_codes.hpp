// Exit codes of leadscout-logs (internal).
#pragma once

namespace leadscout::logs_tool {

/// Exit codes of leadscout-logs.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;  ///< bad usage, or a missing or unreadable path

}  // namespace leadscout::logs_tool

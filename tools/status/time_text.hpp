// Times as leadscout-status reads and writes them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace leadscout::status {

using TimePoint = std::chrono::system_clock::time_point;

/// ISO-8601 UTC as the processor writes it (`2025-07-06T10:30:15.123Z`); also accepts no
/// fraction, a space for `T`, and a `+HH:MM`/`-HH:MM` offset. nullopt when malformed.
[[nodiscard]] std::optional<TimePoint> parse_iso8601(std::string_view text);

/// ISO-8601 UTC with whole seconds and `Z`.
[[nodiscard]] std::string format_iso8601(TimePoint t);

}  // namespace leadscout::status

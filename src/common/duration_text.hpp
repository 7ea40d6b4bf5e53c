// Durations as text, one function per format the library and the tools show. Each is named for
// its format; none depends on the locale.
#pragma once

#include <chrono>
#include <string>

namespace leadscout::common {

/// Clock style, rounded to the nearest second: "02:03" under an hour, "1:02:03" from an hour
/// on (the progress bar's ETA).
[[nodiscard]] std::string format_clock_duration(double seconds);

/// The two leading units, rounded down to whole seconds: "2s", "1m05s", "2h03m", "1d01h";
/// "0s" for zero, negatives and NaN (ages and intervals in leadscout-status).
[[nodiscard]] std::string format_short_duration(double seconds);

/// The three leading units, down to milliseconds under a minute: "3.500s", "1m05s",
/// "1h02m03s", "1d02h03m" (the time a log spans, in leadscout-logs).
[[nodiscard]] std::string format_long_duration(std::chrono::microseconds d);

/// Go's time.Duration style at millisecond precision, as OpenAI's rate-limit reset headers
/// write it: "20ms", "1s", "1.5s", "6m0s", "1h2m3.004s"; "0s" for zero or less.
[[nodiscard]] std::string format_go_duration(std::chrono::milliseconds d);

/// The largest unit that divides `d` exactly: "1h", "5m", "3s", "250ms" (a configured
/// duration as the user likely wrote it).
[[nodiscard]] std::string format_exact_duration(std::chrono::milliseconds d);

}  // namespace leadscout::common

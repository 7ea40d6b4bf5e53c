// ISO-8601 timestamps as leadscout writes and reads them (internal, shared by the library and
// the tools). Times are microseconds since the Unix epoch; the calendar is the proleptic
// Gregorian one, computed without the C library (no time zone database, no locale).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leadscout::common {

/// Days since 1970-01-01 of a date.
[[nodiscard]] std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept;

/// Appends "YYYY-MM-DD" for days since 1970-01-01.
void append_iso8601_date(std::string& out, std::int64_t days);

/// Appends "YYYY-MM-DDTHH:MM:SS" for seconds since the epoch (in whatever zone they count).
void append_iso8601_date_time(std::string& out, std::int64_t seconds);

/// Appends "." and the first `digits` (1 to 6) digits of a microsecond count below 1,000,000.
void append_iso8601_fraction(std::string& out, std::int64_t micros, int digits);

/// "2025-07-06T10:30:15.123456Z" with 0, 3 or 6 fraction digits, for microseconds since the
/// epoch in UTC.
[[nodiscard]] std::string format_iso8601_utc(std::int64_t micros, int fraction_digits);

/// What a parser accepts beyond "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)".
struct Iso8601Syntax {
  bool any_separator = false;     ///< 't' or a space instead of 'T'
  bool optional_seconds = false;  ///< "HH:MM" alone
  bool optional_zone = false;     ///< no zone means UTC
  bool date_only = false;         ///< "YYYY-MM-DD" alone: its midnight, UTC
};

/// Microseconds since the epoch (UTC) of `text`, or nullopt. The fraction has 1 to 9 digits;
/// month lengths and leap years are checked. `was_date_only` (optional) tells whether only a
/// date was given.
[[nodiscard]] std::optional<std::int64_t> parse_iso8601(std::string_view text, Iso8601Syntax syntax,
                                                        bool* was_date_only = nullptr) noexcept;

}  // namespace leadscout::common

// Fast validating scanner for leadscout JSON log lines (internal to leadscout-logs).
//
// One call checks that a line is a single well-formed JSON object with valid UTF-8 and records
// where each top-level key and value lies, without building a DOM and without allocating once
// the field vector has grown to the widest line seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_scan.hpp"
#include "json_string.hpp"

namespace leadscout::logs_tool {

/// Event severity, in increasing order.
enum class Level : std::uint8_t { trace, debug, info, warning, error, critical };

inline constexpr std::size_t level_count = 6;

/// Parses a lowercase level name as written in the files ("warning", not "warn").
[[nodiscard]] std::optional<Level> parse_level(std::string_view name) noexcept;
/// Parses a level name given by a user: any case, "warn" accepted for "warning".
[[nodiscard]] std::optional<Level> parse_level_lenient(std::string_view name) noexcept;
/// "info"
[[nodiscard]] std::string_view level_name(Level l) noexcept;
/// "INFO" (the console format)
[[nodiscard]] std::string_view level_upper(Level l) noexcept;

/// JSON type of a top-level value.
using ValueKind = common::JsonKind;

/// One top-level member of a log line; views point into the scanned line.
using Field = common::JsonMember;

/// Why a line was rejected: the JSON scanner's reasons, then the log line's own.
enum class ScanError : std::uint8_t {
  none,
  not_object,        ///< does not start with '{'
  syntax,            ///< malformed JSON
  truncated,         ///< the line ends inside the object
  trailing_data,     ///< something follows the closing brace
  invalid_utf8,      ///< a string holds bytes that are not UTF-8
  control_character, ///< a raw control character inside a string
  too_deep,          ///< nesting deeper than the scanner accepts
  missing_field,     ///< timestamp, level, logger or event missing or not a string
  bad_level,         ///< unknown level name
  bad_timestamp,     ///< timestamp is not ISO-8601
};

/// Short human description of a scan error, e.g. "invalid UTF-8".
[[nodiscard]] std::string_view describe(ScanError e) noexcept;

/// A scanned event: the four standard fields decoded, every top-level field recorded.
struct Event {
  std::string_view line;
  std::string_view timestamp;  ///< raw timestamp text
  std::string_view logger;     ///< raw logger text (escapes not resolved)
  std::string_view name;       ///< raw event text (escapes not resolved)
  bool logger_escaped = false;
  bool name_escaped = false;
  Level lvl = Level::info;
  std::int64_t time_us = 0;   ///< microseconds since the Unix epoch, UTC
  std::vector<Field> fields;  ///< every top-level member in file order, standard ones included

  /// The first member whose (unescaped) key equals `key`, or nullptr.
  [[nodiscard]] const Field* find(std::string_view key) const noexcept;
  /// The number held by `key`, if it is present and a JSON number.
  [[nodiscard]] std::optional<double> number(std::string_view key) const noexcept;
};

/// Scans one line (without its newline). On success fills `out` and returns ScanError::none;
/// `out` views into `line`, which must outlive its use.
[[nodiscard]] ScanError scan_line(std::string_view line, Event& out);

/// True when the line holds nothing but JSON whitespace.
[[nodiscard]] inline bool is_blank(std::string_view line) noexcept { return common::is_json_blank(line); }

/// Parses an ISO-8601 timestamp as written by leadscout (`2025-07-06T10:30:15.123456Z`,
/// fraction optional, `Z` or `+HH:MM`/`-HH:MM`) into microseconds since the epoch.
[[nodiscard]] std::optional<std::int64_t> parse_timestamp(std::string_view text) noexcept;

/// Parses a user-supplied time bound: `YYYY-MM-DD`, or a timestamp with `T` or a space,
/// minutes or seconds precision, optional fraction and zone (no zone means UTC).
/// `date_only` is set when only a date was given.
[[nodiscard]] std::optional<std::int64_t> parse_time_bound(std::string_view text,
                                                           bool& date_only) noexcept;

/// `2025-07-06T10:30:15.123456Z` for microseconds since the epoch.
[[nodiscard]] std::string format_timestamp_us(std::int64_t us);

/// Resolves JSON string escapes of `raw` (the text between the quotes) into UTF-8.
[[nodiscard]] inline std::string unescape(std::string_view raw) { return common::json_unescape(raw); }

/// A field's text: `raw` unescaped when it held escapes.
[[nodiscard]] inline std::string resolved(std::string_view raw, bool escaped) {
  return escaped ? unescape(raw) : std::string(raw);
}

/// The string form of a value as used by `--where` and the console format: strings unescaped,
/// anything else its JSON text.
[[nodiscard]] std::string value_string(const Field& f);

}  // namespace leadscout::logs_tool

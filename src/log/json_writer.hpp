// JSON text primitives: strings that are always valid (escaped, UTF-8 sanitised) and numbers
// that always parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace leadscout::log::detail {

/// Appends s as a quoted JSON string: quotes, backslashes and control characters escaped,
/// invalid UTF-8 replaced by U+FFFD.
void append_json_string(std::string& out, std::string_view s);

/// Appends the escaped contents of s without the surrounding quotes.
void append_json_escaped(std::string& out, std::string_view s);

/// Appends d in the shortest form that round-trips, keeping a ".0" on whole numbers;
/// NaN and infinities, which JSON lacks, become the strings "NaN", "Infinity", "-Infinity".
void append_json_double(std::string& out, double d);

void append_int(std::string& out, std::int64_t v);
void append_uint(std::string& out, std::uint64_t v);

/// Length of the longest prefix of s that is at most max_bytes and does not split a
/// UTF-8 sequence.
[[nodiscard]] std::size_t utf8_prefix_length(std::string_view s, std::size_t max_bytes) noexcept;

/// True when s must be quoted in the console's key=value form.
[[nodiscard]] bool needs_console_quotes(std::string_view s) noexcept;

}  // namespace leadscout::log::detail

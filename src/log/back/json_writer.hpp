// JSON text primitives of the renderer: numbers that always parse, console quoting, and the
// shared library's strings that are always valid (escaped, UTF-8 sanitised).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "json_string.hpp"
#include "utf8.hpp"

namespace leadscout::log::detail {

// Strings and UTF-8 come from the shared text library.
using common::append_json_escaped;
using common::append_json_string;
using common::utf8_prefix_length;

/// Appends d in the shortest form that round-trips, keeping a ".0" on whole numbers;
/// NaN and infinities, which JSON lacks, become the strings "NaN", "Infinity", "-Infinity".
void append_json_double(std::string& out, double d);

void append_int(std::string& out, std::int64_t v);
void append_uint(std::string& out, std::uint64_t v);

/// True when s must be quoted in the console's key=value form.
[[nodiscard]] bool needs_console_quotes(std::string_view s) noexcept;

}  // namespace leadscout::log::detail

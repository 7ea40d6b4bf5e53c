// Text of leadscout-logs' human reports (internal): numbers for people and padded columns.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace leadscout::logs_tool {

/// A number for people: integers as integers, others with up to three decimals.
[[nodiscard]] std::string format_number(double v);

/// Appends `s`, then spaces up to `width`.
void pad_right(std::string& out, std::string_view s, std::size_t width);

/// Appends spaces up to `width`, then `s`.
void pad_left(std::string& out, std::string_view s, std::size_t width);

}  // namespace leadscout::logs_tool

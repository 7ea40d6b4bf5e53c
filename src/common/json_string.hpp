// JSON string text: writing strings that are always valid, and reading escaped ones (internal,
// shared by the library and the tools).
#pragma once

#include <string>
#include <string_view>

namespace leadscout::common {

/// Appends the escaped contents of s without quotes: quotes, backslashes and control
/// characters escaped, invalid UTF-8 replaced by U+FFFD, so the result is always valid JSON.
void append_json_escaped(std::string& out, std::string_view s);

/// Appends s as a quoted JSON string (see append_json_escaped).
void append_json_string(std::string& out, std::string_view s);

/// Resolves the escapes of a JSON string's raw contents (the text between the quotes) into
/// UTF-8; a lone or cut surrogate becomes U+FFFD.
[[nodiscard]] std::string json_unescape(std::string_view raw);

}  // namespace leadscout::common

// UTF-8 validation and encoding (internal, shared by the library and the tools).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace leadscout::common {

enum class Utf8Check : std::uint8_t {
  valid,      ///< a whole, well-formed sequence
  invalid,    ///< overlong, a surrogate, above U+10FFFF, or a bad byte
  truncated,  ///< well-formed so far, but `s` ends inside it
};

/// Checks the UTF-8 sequence that starts at s[i] and sets `length` to its size when valid.
[[nodiscard]] Utf8Check check_utf8_sequence(std::string_view s, std::size_t i, std::size_t& length) noexcept;

/// Length of the longest prefix of s that is at most max_bytes and does not split a UTF-8
/// sequence.
[[nodiscard]] std::size_t utf8_prefix_length(std::string_view s, std::size_t max_bytes) noexcept;

/// Appends the UTF-8 encoding of a code point (at most U+10FFFF, not a surrogate).
void append_utf8(std::string& out, std::uint32_t code_point);

}  // namespace leadscout::common

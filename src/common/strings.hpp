// Small string helpers (internal, shared by the libraries and the tools).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leadscout::common {

/// True for the ASCII digits '0' to '9' (never locale-dependent, unlike std::isdigit).
[[nodiscard]] constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// `s` without its leading and trailing spaces and tabs.
[[nodiscard]] constexpr std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// `s` without its leading and trailing white space (spaces, tabs, line breaks).
[[nodiscard]] constexpr std::string_view trim_space(std::string_view s) noexcept {
  constexpr std::string_view space = " \t\r\n";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

/// True when `a` and `b` are equal but for ASCII case (HTTP header names).
[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

/// A run's total as shown to people: "500"; "~500" while a streamed input has not ended but
/// an estimate is known; else "?".
[[nodiscard]] inline std::string total_text(bool known, std::uint64_t total, std::optional<std::uint64_t> expected) {
  if (known) return std::to_string(total);
  if (!expected) return "?";
  std::string text = "~";  // appended, not operator+: GCC 12 -O2 gives a false -Wrestrict on that
  text += std::to_string(*expected);
  return text;
}

}  // namespace leadscout::common

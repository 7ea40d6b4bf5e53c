// Small string helpers of the configuration parsers (internal, shared by the libraries).
#pragma once

#include <string_view>

namespace leadscout::common {

/// `s` without its leading and trailing spaces and tabs.
[[nodiscard]] constexpr std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace leadscout::common

#include "leadscout/log/level.hpp"

#include <array>
#include <cctype>

namespace leadscout::log {
namespace {
constexpr std::array<std::string_view, 7> lower_names = {"trace", "debug", "info", "warning",
                                                         "error", "critical", "off"};
constexpr std::array<std::string_view, 7> upper_names = {"TRACE", "DEBUG", "INFO", "WARNING",
                                                         "ERROR", "CRITICAL", "OFF"};

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != static_cast<unsigned char>(b[i])) return false;
  }
  return true;
}
}  // namespace

std::string_view to_string(Level level) noexcept {
  const auto i = static_cast<std::size_t>(level);
  return i < lower_names.size() ? lower_names[i] : "unknown";
}

std::string_view to_upper_string(Level level) noexcept {
  const auto i = static_cast<std::size_t>(level);
  return i < upper_names.size() ? upper_names[i] : "UNKNOWN";
}

std::optional<Level> parse_level(std::string_view name) noexcept {
  for (std::size_t i = 0; i < lower_names.size(); ++i) {
    if (iequals(name, lower_names[i])) return static_cast<Level>(i);
  }
  if (iequals(name, "warn")) return Level::warning;
  if (iequals(name, "err")) return Level::error;
  return std::nullopt;
}

}  // namespace leadscout::log

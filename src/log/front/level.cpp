#include "leadscout/log/level.hpp"

#include "level_names.hpp"

namespace leadscout::log {

std::string_view to_string(Level level) noexcept {
  const auto i = static_cast<std::size_t>(level);
  return i < common::level_names.size() ? common::level_names[i] : "unknown";
}

std::string_view to_upper_string(Level level) noexcept {
  const auto i = static_cast<std::size_t>(level);
  return i < common::level_upper_names.size() ? common::level_upper_names[i] : "UNKNOWN";
}

std::optional<Level> parse_level(std::string_view name) noexcept {
  const auto i = common::level_index(name, /*lenient=*/true);
  if (!i) return std::nullopt;
  return static_cast<Level>(*i);
}

}  // namespace leadscout::log

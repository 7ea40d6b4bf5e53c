#include "level_names.hpp"

#include "strings.hpp"

namespace leadscout::common {

std::optional<std::size_t> level_index(std::string_view name, bool lenient) noexcept {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (lenient ? iequals(name, level_names[i]) : name == level_names[i]) return i;
  }
  if (lenient && iequals(name, "warn")) return 3;
  if (lenient && iequals(name, "err")) return 4;
  return std::nullopt;
}

}  // namespace leadscout::common

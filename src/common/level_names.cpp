#include "level_names.hpp"

namespace leadscout::common {
namespace {

/// ASCII-only comparison: no locale calls on a hot path.
bool iequals(std::string_view a, std::string_view lower) noexcept {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<std::size_t> level_index(std::string_view name, bool lenient) noexcept {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (lenient ? iequals(name, level_names[i]) : name == level_names[i]) return i;
  }
  if (lenient && iequals(name, "warn")) return 3;
  if (lenient && iequals(name, "err")) return 4;
  return std::nullopt;
}

}  // namespace leadscout::common

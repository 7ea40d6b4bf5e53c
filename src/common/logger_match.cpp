// Logger-name matching: a name or a glob selects a logger and its children.
#include "logger_match.hpp"

#include "glob.hpp"

namespace leadscout::common {
namespace {

/// True when `selects` holds for `logger` or one of its dotted prefixes.
template <class Selects>
bool any_dotted_prefix(std::string_view logger, Selects selects) {
  if (selects(logger)) return true;
  for (std::size_t dot = logger.find('.'); dot != std::string_view::npos; dot = logger.find('.', dot + 1)) {
    if (selects(logger.substr(0, dot))) return true;
  }
  return false;
}

}  // namespace

bool logger_covers(std::string_view name, std::string_view logger) noexcept {
  return any_dotted_prefix(logger, [name](std::string_view prefix) { return prefix == name; });
}

bool logger_glob_matches(std::string_view glob, std::string_view logger) noexcept {
  return any_dotted_prefix(logger, [glob](std::string_view prefix) { return glob_match(glob, prefix); });
}

bool logger_globs_match(const std::vector<std::string>& globs, std::string_view logger) noexcept {
  bool has_include = false;
  bool included = false;
  for (const std::string& g : globs) {
    const bool exclude = !g.empty() && g[0] == '!';
    const bool hit = logger_glob_matches(exclude ? std::string_view(g).substr(1) : std::string_view(g), logger);
    if (exclude) {
      if (hit) return false;
    } else {
      has_include = true;
      included = included || hit;
    }
  }
  return included || !has_include;
}

}  // namespace leadscout::common

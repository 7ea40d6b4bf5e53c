// Which logger names a name or a glob selects (internal, shared by the library and the tools).
//
// One rule everywhere: a logger name covers its children, so `api` selects `api` and
// `api.openai.chat`. A pattern selects a logger when it matches the whole name or one of its
// dotted prefixes (`api`, `api.openai` for `api.openai.chat`); a glob's '*' and '?' match any
// bytes, dots included, so `*.openai` selects `api.openai.chat` through `api.openai`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leadscout::common {

/// True when `name` is `logger` or one of its ancestors, compared literally (level prefixes).
[[nodiscard]] bool logger_covers(std::string_view name, std::string_view logger) noexcept;

/// True when the glob ('*', '?') matches `logger` or one of its dotted prefixes.
[[nodiscard]] bool logger_glob_matches(std::string_view glob, std::string_view logger) noexcept;

/// A list of globs, each either selecting or, after a '!', excluding (a route's loggers): true
/// when no exclusion matches and some inclusion does, or when the list has no inclusion.
[[nodiscard]] bool logger_globs_match(const std::vector<std::string>& globs, std::string_view logger) noexcept;

}  // namespace leadscout::common

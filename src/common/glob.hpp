// '*' and '?' glob matching of logger names (internal, shared by the library and the tools).
#pragma once

#include <string_view>

namespace leadscout::common {

/// True when `text` matches `pattern`: '*' matches any run of bytes, '?' any one byte.
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace leadscout::common

// The names of the log levels, as written in log lines and typed by users (internal, shared by
// the library and the tools).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace leadscout::common {

/// Lowercase names by severity, lowest first: trace … critical, then off.
inline constexpr std::array<std::string_view, 7> level_names = {"trace", "debug",    "info", "warning",
                                                                "error", "critical", "off"};
/// Uppercase names, as on the console.
inline constexpr std::array<std::string_view, 7> level_upper_names = {"TRACE", "DEBUG",    "INFO", "WARNING",
                                                                      "ERROR", "CRITICAL", "OFF"};

/// The index in level_names of `name`. `lenient` accepts any case and spdlog's "warn" and "err";
/// otherwise only the lowercase names written in log lines match.
[[nodiscard]] std::optional<std::size_t> level_index(std::string_view name, bool lenient) noexcept;

}  // namespace leadscout::common

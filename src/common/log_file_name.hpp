// The parts of a dated log file's name, "operations-2026-11-29[.INSTANCE].log[.gz]", shared by
// the logging library, which writes and maintains the files, and leadscout-logs, which reads
// them (internal).
#pragma once

#include <string_view>

namespace leadscout::common {

/// True for "YYYY-MM-DD" (digits and dashes in place; the calendar is not checked).
[[nodiscard]] bool is_iso_date(std::string_view text) noexcept;

/// True for an empty name or one of letters, digits, '-' and '_': what may follow the date.
[[nodiscard]] bool valid_instance_name(std::string_view name) noexcept;

/// The instance named by what stands between a file name's date and its suffix: "" for
/// nothing, "NAME" for ".NAME"; false when it is neither.
[[nodiscard]] bool instance_between(std::string_view between, std::string_view& instance) noexcept;

}  // namespace leadscout::common

// Times as leadscout-status reads and writes them.
#include "time_text.hpp"

#include "iso8601.hpp"

namespace leadscout::status {

std::optional<TimePoint> parse_iso8601(std::string_view text) {
  const auto micros = common::parse_iso8601(text, {.any_separator = true, .optional_zone = true});
  if (!micros) return std::nullopt;
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(*micros)));
}

std::string format_iso8601(TimePoint t) {
  return common::format_iso8601_utc(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count(), 0);
}

}  // namespace leadscout::status

#include "time_text.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

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

std::string format_duration(double seconds) {
  if (!(seconds > 0.0)) return "0s";  // also NaN
  if (seconds > 1e12) seconds = 1e12;
  const auto total = static_cast<std::int64_t>(std::floor(seconds));
  char buf[48];
  if (total < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(total));
  } else if (total < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  } else if (total < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(total / 3600),
                  static_cast<long long>(total % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(total / 86400),
                  static_cast<long long>(total % 86400 / 3600));
  }
  return buf;
}

}  // namespace leadscout::status

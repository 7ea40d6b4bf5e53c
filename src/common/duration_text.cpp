// Duration formats.
#include "duration_text.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace leadscout::common {

std::string format_clock_duration(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

std::string format_short_duration(double seconds) {
  if (!(seconds > 0.0)) return "0s";  // also NaN
  if (seconds > 1e12) seconds = 1e12;
  const auto total = static_cast<long long>(std::floor(seconds));
  char buf[48];
  if (total < 60) {
    std::snprintf(buf, sizeof buf, "%llds", total);
  } else if (total < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", total / 60, total % 60);
  } else if (total < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", total / 3600, total % 3600 / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", total / 86400, total % 86400 / 3600);
  }
  return buf;
}

std::string format_long_duration(std::chrono::microseconds d) {
  const long long us = d.count();
  const long long s = us / 1000000;
  char buf[64];
  if (s >= 86400) {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh%02lldm", s / 86400, s / 3600 % 24, s / 60 % 60);
  } else if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(us) / 1e6);
  }
  return buf;
}

std::string format_go_duration(std::chrono::milliseconds d) {
  const std::int64_t ms = d.count() < 0 ? 0 : d.count();
  if (ms == 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string out;
  const std::int64_t hours = ms / 3'600'000;
  const std::int64_t minutes = ms / 60'000 % 60;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  out += std::to_string(ms / 1000 % 60);
  if (const std::int64_t fraction = ms % 1000; fraction != 0) {
    std::string digits = std::to_string(1000 + fraction).substr(1);  // "005" for 5 ms
    while (digits.back() == '0') digits.pop_back();
    out += '.' + digits;
  }
  return out + "s";
}

std::string format_exact_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace leadscout::common

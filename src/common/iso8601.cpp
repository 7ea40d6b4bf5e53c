#include "iso8601.hpp"

#include <array>
#include <cstdio>

#include "strings.hpp"

namespace leadscout::common {
namespace {

constexpr std::int64_t micros_per_second = 1'000'000;
constexpr std::int64_t seconds_per_day = 86'400;

/// `len` digits at s[pos].
bool parse_fixed(std::string_view s, std::size_t pos, std::size_t len, unsigned& out) noexcept {
  if (pos + len > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  out = v;
  return true;
}

unsigned days_in_month(unsigned y, unsigned m) noexcept {
  static constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return days[m - 1];
}

/// "YYYY-MM-DD" at the start of s, as days since the epoch.
bool parse_date(std::string_view s, std::int64_t& days) noexcept {
  unsigned y = 0, m = 0, d = 0;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!parse_fixed(s, 0, 4, y) || !parse_fixed(s, 5, 2, m) || !parse_fixed(s, 8, 2, d)) return false;
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return false;
  days = days_from_civil(y, m, d);
  return true;
}

/// "[.fraction]" at s[i] as microseconds; advances i.
bool parse_fraction(std::string_view s, std::size_t& i, std::int64_t& micros) noexcept {
  micros = 0;
  if (i >= s.size() || s[i] != '.') return true;
  const std::size_t start = ++i;
  std::int64_t scale = 100'000;
  while (i < s.size() && is_digit(s[i])) {
    micros += (s[i] - '0') * scale;
    scale /= 10;
    ++i;
  }
  return i != start && i - start <= 9;
}

/// "Z", "+HH:MM" or "-HH:MM" making up the rest of s, as seconds east of UTC.
bool parse_zone(std::string_view s, std::size_t i, bool optional, std::int64_t& offset) noexcept {
  offset = 0;
  if (i == s.size()) return optional;
  if (s[i] == 'Z' && i + 1 == s.size()) return true;
  unsigned oh = 0, om = 0;
  if ((s[i] != '+' && s[i] != '-') || i + 6 != s.size() || s[i + 3] != ':' || !parse_fixed(s, i + 1, 2, oh) ||
      !parse_fixed(s, i + 4, 2, om) || oh > 23 || om > 59) {
    return false;
  }
  offset = static_cast<std::int64_t>(oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
  return true;
}

/// "HH:MM[:SS][.fraction][zone]" making up s, added to `micros`.
bool parse_time_of_day(std::string_view s, Iso8601Syntax syntax, std::int64_t& micros) noexcept {
  unsigned hh = 0, mm = 0, ss = 0;
  if (s.size() < 5 || s[2] != ':' || !parse_fixed(s, 0, 2, hh) || !parse_fixed(s, 3, 2, mm)) return false;
  std::size_t i = 5;
  if (i < s.size() && s[i] == ':') {
    if (!parse_fixed(s, 6, 2, ss)) return false;
    i = 8;
  } else if (!syntax.optional_seconds) {
    return false;
  }
  if (hh > 23 || mm > 59 || ss > 60) return false;
  std::int64_t fraction = 0, offset = 0;
  if (!parse_fraction(s, i, fraction) || !parse_zone(s, i, syntax.optional_zone, offset)) return false;
  micros += (static_cast<std::int64_t>(hh) * 3600 + mm * 60 + ss - offset) * micros_per_second + fraction;
  return true;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void append_iso8601_date(std::string& out, std::int64_t days) {
  // Howard Hinnant's civil_from_days.
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  out.append(buf, static_cast<std::size_t>(n));
}

void append_iso8601_date_time(std::string& out, std::int64_t seconds) {
  std::int64_t days = seconds / seconds_per_day;
  std::int64_t rest = seconds % seconds_per_day;
  if (rest < 0) rest += seconds_per_day, --days;
  append_iso8601_date(out, days);
  char buf[16];
  const int n = std::snprintf(buf, sizeof buf, "T%02lld:%02lld:%02lld", static_cast<long long>(rest / 3600),
                              static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
  out.append(buf, static_cast<std::size_t>(n));
}

std::string format_iso8601_utc(std::int64_t micros, int fraction_digits) {
  std::int64_t seconds = micros / micros_per_second;
  std::int64_t fraction = micros % micros_per_second;
  if (fraction < 0) fraction += micros_per_second, --seconds;
  std::string out;
  append_iso8601_date_time(out, seconds);
  if (fraction_digits > 0) append_iso8601_fraction(out, fraction, fraction_digits);
  out.push_back('Z');
  return out;
}

void append_iso8601_fraction(std::string& out, std::int64_t micros, int digits) {
  char text[8] = {'.'};
  for (int i = 6; i >= 1; --i) text[i] = static_cast<char>('0' + micros % 10), micros /= 10;
  out.append(text, static_cast<std::size_t>(1 + (digits < 6 ? digits : 6)));
}

std::optional<std::int64_t> parse_iso8601(std::string_view text, Iso8601Syntax syntax, bool* was_date_only) noexcept {
  std::int64_t days = 0;
  if (was_date_only != nullptr) *was_date_only = false;
  if (!parse_date(text, days)) return std::nullopt;
  std::int64_t micros = days * seconds_per_day * micros_per_second;
  if (text.size() == 10) {
    if (!syntax.date_only) return std::nullopt;
    if (was_date_only != nullptr) *was_date_only = true;
    return micros;
  }
  const char sep = text[10];
  if (sep != 'T' && !(syntax.any_separator && (sep == 't' || sep == ' '))) return std::nullopt;
  if (!parse_time_of_day(text.substr(11), syntax, micros)) return std::nullopt;
  return micros;
}

}  // namespace leadscout::common

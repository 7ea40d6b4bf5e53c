#include "scanner.hpp"

#include <array>
#include <charconv>
#include <cstring>

namespace leadscout::logs_tool {

namespace {

constexpr std::array<std::string_view, level_count> level_names{
    "trace", "debug", "info", "warning", "error", "critical"};
constexpr std::array<std::string_view, level_count> level_uppers{
    "TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};

// Byte classes inside a JSON string: 0 plain ASCII, 1 quote, 2 backslash, 3 control, 4 non-ASCII.
constexpr std::array<std::uint8_t, 256> make_string_classes() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = 3;
  t['"'] = 1;
  t['\\'] = 2;
  for (int c = 0x80; c < 0x100; ++c) t[static_cast<std::size_t>(c)] = 4;
  return t;
}
constexpr auto string_classes = make_string_classes();

constexpr int max_depth = 64;

bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

class scanner {
 public:
  scanner(const char* p, const char* e) : p_(p), e_(e) {}

  scan_error error() const noexcept { return err_; }
  const char* pos() const noexcept { return p_; }

  void skip_ws() noexcept {
    while (p_ < e_ && is_ws(*p_)) ++p_;
  }
  bool at_end() const noexcept { return p_ >= e_; }
  char peek() const noexcept { return *p_; }
  void advance() noexcept { ++p_; }

  bool fail(scan_error e) noexcept {
    if (err_ == scan_error::none) err_ = e;
    return false;
  }

  // Called with p_ just after the opening quote; leaves p_ after the closing quote.
  bool string(std::string_view& contents, bool& escaped) noexcept {
    const char* start = p_;
    escaped = false;
    for (;;) {
      while (p_ < e_ && string_classes[static_cast<unsigned char>(*p_)] == 0) ++p_;
      if (p_ >= e_) return fail(scan_error::truncated);
      switch (string_classes[static_cast<unsigned char>(*p_)]) {
        case 1:
          contents = std::string_view(start, static_cast<std::size_t>(p_ - start));
          ++p_;
          return true;
        case 2:
          escaped = true;
          if (!escape()) return false;
          break;
        case 3:
          return fail(scan_error::control_character);
        default:
          if (!utf8()) return false;
          break;
      }
    }
  }

  bool value(value_kind& kind, bool& escaped, std::string_view& text, int depth) noexcept {
    if (p_ >= e_) return fail(scan_error::truncated);
    const char* start = p_;
    escaped = false;
    switch (*p_) {
      case '"':
        ++p_;
        kind = value_kind::string;
        return string(text, escaped);
      case '{':
        kind = value_kind::object;
        if (!object(depth + 1)) return false;
        break;
      case '[':
        kind = value_kind::array;
        if (!array(depth + 1)) return false;
        break;
      case 't':
        kind = value_kind::boolean;
        if (!literal("true")) return false;
        break;
      case 'f':
        kind = value_kind::boolean;
        if (!literal("false")) return false;
        break;
      case 'n':
        kind = value_kind::null;
        if (!literal("null")) return false;
        break;
      default:
        kind = value_kind::number;
        if (!number()) return false;
        break;
    }
    text = std::string_view(start, static_cast<std::size_t>(p_ - start));
    return true;
  }

 private:
  bool escape() noexcept {
    ++p_;  // backslash
    if (p_ >= e_) return fail(scan_error::truncated);
    switch (*p_) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        ++p_;
        return true;
      case 'u':
        ++p_;
        for (int i = 0; i < 4; ++i, ++p_) {
          if (p_ >= e_) return fail(scan_error::truncated);
          if (!is_hex(*p_)) return fail(scan_error::syntax);
        }
        return true;
      default:
        return fail(scan_error::syntax);
    }
  }

  bool utf8() noexcept {
    const auto b0 = static_cast<unsigned char>(*p_);
    int n;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      n = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      n = 2;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      n = 3;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return fail(scan_error::invalid_utf8);
    }
    ++p_;
    for (int i = 0; i < n; ++i, ++p_) {
      if (p_ >= e_) return fail(scan_error::truncated);
      const auto b = static_cast<unsigned char>(*p_);
      if (b < lo || b > hi) return fail(scan_error::invalid_utf8);
      lo = 0x80;
      hi = 0xBF;
    }
    return true;
  }

  bool literal(std::string_view word) noexcept {
    const auto left = static_cast<std::size_t>(e_ - p_);
    if (left < word.size()) {
      if (std::memcmp(p_, word.data(), left) == 0) return fail(scan_error::truncated);
      return fail(scan_error::syntax);
    }
    if (std::memcmp(p_, word.data(), word.size()) != 0) return fail(scan_error::syntax);
    p_ += word.size();
    return true;
  }

  bool digits() noexcept {
    if (p_ >= e_) return fail(scan_error::truncated);
    if (!is_digit(*p_)) return fail(scan_error::syntax);
    while (p_ < e_ && is_digit(*p_)) ++p_;
    return true;
  }

  bool number() noexcept {
    if (*p_ == '-') {
      ++p_;
      if (p_ >= e_) return fail(scan_error::truncated);
    }
    if (*p_ == '0') {
      ++p_;
    } else if (!digits()) {
      return false;
    }
    if (p_ < e_ && *p_ == '.') {
      ++p_;
      if (!digits()) return false;
    }
    if (p_ < e_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < e_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
    }
    return true;
  }

  bool array(int depth) noexcept {
    if (depth > max_depth) return fail(scan_error::too_deep);
    ++p_;  // '['
    skip_ws();
    if (p_ >= e_) return fail(scan_error::truncated);
    if (*p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      value_kind k;
      bool esc;
      std::string_view t;
      if (!value(k, esc, t, depth)) return false;
      skip_ws();
      if (p_ >= e_) return fail(scan_error::truncated);
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      return fail(scan_error::syntax);
    }
  }

  bool object(int depth) noexcept {
    if (depth > max_depth) return fail(scan_error::too_deep);
    ++p_;  // '{'
    skip_ws();
    if (p_ >= e_) return fail(scan_error::truncated);
    if (*p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (p_ >= e_) return fail(scan_error::truncated);
      if (*p_ != '"') return fail(scan_error::syntax);
      ++p_;
      std::string_view key;
      bool esc;
      if (!string(key, esc)) return false;
      skip_ws();
      if (p_ >= e_) return fail(scan_error::truncated);
      if (*p_ != ':') return fail(scan_error::syntax);
      ++p_;
      skip_ws();
      value_kind k;
      std::string_view t;
      if (!value(k, esc, t, depth)) return false;
      skip_ws();
      if (p_ >= e_) return fail(scan_error::truncated);
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      return fail(scan_error::syntax);
    }
  }

  const char* p_;
  const char* e_;
  scan_error err_ = scan_error::none;
};

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

// Parses "YYYY-MM-DD" at the start of s into days since the epoch.
bool parse_date(std::string_view s, std::int64_t& days) noexcept {
  unsigned y, m, d;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!parse_fixed(s, 0, 4, y) || !parse_fixed(s, 5, 2, m) || !parse_fixed(s, 8, 2, d)) {
    return false;
  }
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return false;
  days = days_from_civil(y, m, d);
  return true;
}

// Parses "HH:MM[:SS[.fraction]][Z|±HH:MM]" (seconds optional only when allow_short) starting
// at s[0]; adds the time of day to `us`.
bool parse_time_of_day(std::string_view s, bool allow_short, bool require_zone,
                       std::int64_t& us) noexcept {
  unsigned hh, mm, ss = 0;
  if (s.size() < 5 || s[2] != ':' || !parse_fixed(s, 0, 2, hh) || !parse_fixed(s, 3, 2, mm)) {
    return false;
  }
  std::size_t i = 5;
  if (i < s.size() && s[i] == ':') {
    if (!parse_fixed(s, 6, 2, ss)) return false;
    i = 8;
  } else if (!allow_short) {
    return false;
  }
  if (hh > 23 || mm > 59 || ss > 60) return false;
  std::int64_t frac_us = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t start = i;
    std::int64_t scale = 100000;
    while (i < s.size() && is_digit(s[i])) {
      frac_us += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start || i - start > 9) return false;
  }
  std::int64_t offset_s = 0;
  if (i == s.size()) {
    if (require_zone) return false;
  } else if (s[i] == 'Z' && i + 1 == s.size()) {
    // UTC
  } else if ((s[i] == '+' || s[i] == '-') && i + 6 == s.size() && s[i + 3] == ':') {
    unsigned oh, om;
    if (!parse_fixed(s, i + 1, 2, oh) || !parse_fixed(s, i + 4, 2, om) || oh > 23 || om > 59) {
      return false;
    }
    offset_s = static_cast<std::int64_t>(oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
  } else {
    return false;
  }
  us += (static_cast<std::int64_t>(hh) * 3600 + mm * 60 + ss - offset_s) * 1000000 + frac_us;
  return true;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::uint32_t hex4(const char* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    v <<= 4;
    if (is_digit(c)) {
      v |= static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<std::uint32_t>(c - 'a' + 10);
    } else {
      v |= static_cast<std::uint32_t>(c - 'A' + 10);
    }
  }
  return v;
}

}  // namespace

std::optional<level> parse_level(std::string_view name) noexcept {
  for (std::size_t i = 0; i < level_count; ++i) {
    if (level_names[i] == name) return static_cast<level>(i);
  }
  return std::nullopt;
}

std::optional<level> parse_level_lenient(std::string_view name) noexcept {
  std::string lower(name);
  for (auto& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (lower == "warn") return level::warning;
  if (lower == "err") return level::error;
  return parse_level(lower);
}

std::string_view level_name(level l) noexcept { return level_names[static_cast<std::size_t>(l)]; }
std::string_view level_upper(level l) noexcept {
  return level_uppers[static_cast<std::size_t>(l)];
}

std::string_view describe(scan_error e) noexcept {
  switch (e) {
    case scan_error::none: return "ok";
    case scan_error::not_object: return "not a JSON object";
    case scan_error::syntax: return "malformed JSON";
    case scan_error::truncated: return "truncated JSON";
    case scan_error::trailing_data: return "data after the JSON object";
    case scan_error::invalid_utf8: return "invalid UTF-8";
    case scan_error::control_character: return "raw control character in a string";
    case scan_error::too_deep: return "nesting too deep";
    case scan_error::missing_field: return "missing timestamp, level, logger or event";
    case scan_error::bad_level: return "unknown level";
    case scan_error::bad_timestamp: return "bad timestamp";
  }
  return "corrupt";
}

bool is_blank(std::string_view line) noexcept {
  for (char c : line) {
    if (!is_ws(c)) return false;
  }
  return true;
}

scan_error scan_line(std::string_view line, event& out) {
  out.line = line;
  out.fields.clear();
  scanner s(line.data(), line.data() + line.size());
  s.skip_ws();
  if (s.at_end() || s.peek() != '{') return scan_error::not_object;
  s.advance();
  s.skip_ws();
  if (s.at_end()) return scan_error::truncated;
  if (s.peek() == '}') {
    s.advance();
  } else {
    for (;;) {
      s.skip_ws();
      if (s.at_end()) return scan_error::truncated;
      if (s.peek() != '"') return scan_error::syntax;
      s.advance();
      field f;
      if (!s.string(f.key, f.key_escaped)) return s.error();
      s.skip_ws();
      if (s.at_end()) return scan_error::truncated;
      if (s.peek() != ':') return scan_error::syntax;
      s.advance();
      s.skip_ws();
      if (!s.value(f.kind, f.value_escaped, f.value, 0)) return s.error();
      out.fields.push_back(f);
      s.skip_ws();
      if (s.at_end()) return scan_error::truncated;
      if (s.peek() == ',') {
        s.advance();
        continue;
      }
      if (s.peek() == '}') {
        s.advance();
        break;
      }
      return scan_error::syntax;
    }
  }
  s.skip_ws();
  if (!s.at_end()) return scan_error::trailing_data;

  const field* ts = nullptr;
  const field* lv = nullptr;
  const field* lg = nullptr;
  const field* ev = nullptr;
  // leadscout writes the four standard keys first; look there before searching the rest.
  const std::size_t n = out.fields.size();
  if (n >= 4 && out.fields[0].key == "timestamp" && out.fields[1].key == "level" &&
      out.fields[2].key == "logger" && out.fields[3].key == "event") {
    ts = &out.fields[0];
    lv = &out.fields[1];
    lg = &out.fields[2];
    ev = &out.fields[3];
  } else {
    ts = out.find("timestamp");
    lv = out.find("level");
    lg = out.find("logger");
    ev = out.find("event");
  }
  if (ts == nullptr || lv == nullptr || lg == nullptr || ev == nullptr ||
      ts->kind != value_kind::string || lv->kind != value_kind::string ||
      lg->kind != value_kind::string || ev->kind != value_kind::string) {
    return scan_error::missing_field;
  }
  const auto l = parse_level(lv->value);
  if (!l) return scan_error::bad_level;
  const auto t = parse_timestamp(ts->value);
  if (!t) return scan_error::bad_timestamp;
  out.lvl = *l;
  out.time_us = *t;
  out.timestamp = ts->value;
  out.logger = lg->value;
  out.logger_escaped = lg->value_escaped;
  out.name = ev->value;
  out.name_escaped = ev->value_escaped;
  return scan_error::none;
}

const field* event::find(std::string_view key) const noexcept {
  for (const auto& f : fields) {
    if (!f.key_escaped) {
      if (f.key == key) return &f;
    } else if (unescape(f.key) == key) {
      return &f;
    }
  }
  return nullptr;
}

std::optional<double> event::number(std::string_view key) const noexcept {
  const field* f = find(key);
  if (f == nullptr || f->kind != value_kind::number) return std::nullopt;
  double v = 0;
  const auto [ptr, ec] = std::from_chars(f->value.data(), f->value.data() + f->value.size(), v);
  if (ec != std::errc{}) return std::nullopt;
  return v;
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  // Howard Hinnant's algorithm.
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::int64_t> parse_timestamp(std::string_view text) noexcept {
  std::int64_t days;
  if (text.size() < 20 || text[10] != 'T' || !parse_date(text, days)) return std::nullopt;
  std::int64_t us = days * 86400 * 1000000;
  if (!parse_time_of_day(text.substr(11), false, true, us)) return std::nullopt;
  return us;
}

std::optional<std::int64_t> parse_time_bound(std::string_view text, bool& date_only) noexcept {
  std::int64_t days;
  date_only = false;
  if (!parse_date(text, days)) return std::nullopt;
  std::int64_t us = days * 86400 * 1000000;
  if (text.size() == 10) {
    date_only = true;
    return us;
  }
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  if (!parse_time_of_day(text.substr(11), true, false, us)) return std::nullopt;
  return us;
}

std::string format_timestamp_us(std::int64_t us) {
  std::int64_t days = us >= 0 ? us / 86400000000 : (us - 86399999999) / 86400000000;
  std::int64_t rem = us - days * 86400000000;
  // civil_from_days
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  const auto secs = rem / 1000000;
  const auto frac = rem % 1000000;
  char buf[64];
  const int len = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                                static_cast<long long>(y), m, d,
                                static_cast<long long>(secs / 3600),
                                static_cast<long long>(secs / 60 % 60),
                                static_cast<long long>(secs % 60), static_cast<long long>(frac));
  return std::string(buf, static_cast<std::size_t>(len));
}

std::string unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\\' || i + 1 >= raw.size()) {
      out.push_back(c);
      continue;
    }
    const char e = raw[++i];
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        if (i + 4 >= raw.size()) {
          out.append("\xEF\xBF\xBD");
          i = raw.size();
          break;
        }
        std::uint32_t cp = hex4(raw.data() + i + 1);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < raw.size() && raw[i + 1] == '\\' &&
            raw[i + 2] == 'u') {
          const std::uint32_t lo = hex4(raw.data() + i + 3);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // lone surrogate
        append_utf8(out, cp);
        break;
      }
      default: out.push_back(e); break;  // " \ /
    }
  }
  return out;
}

std::string value_string(const field& f) {
  if (f.kind == value_kind::string && f.value_escaped) return unescape(f.value);
  return std::string(f.value);
}

void append_json_quoted(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out.append("\\u00");
          out.push_back(hex[(c >> 4) & 0xF]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace leadscout::logs_tool

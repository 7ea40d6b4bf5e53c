#include "json_scan.hpp"

#include <array>
#include <cstring>

#include "strings.hpp"
#include "utf8.hpp"

namespace leadscout::common {
namespace {

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

bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

class Scanner {
 public:
  Scanner(const char* p, const char* e) : p_(p), e_(e) {}

  JsonScanError error() const noexcept { return err_; }
  const char* pos() const noexcept { return p_; }

  void skip_ws() noexcept {
    while (p_ < e_ && is_ws(*p_)) ++p_;
  }
  bool at_end() const noexcept { return p_ >= e_; }
  char peek() const noexcept { return *p_; }
  void advance() noexcept { ++p_; }

  bool fail(JsonScanError e) noexcept {
    if (err_ == JsonScanError::none) err_ = e;
    return false;
  }

  // Called with p_ just after the opening quote; leaves p_ after the closing quote.
  bool string(std::string_view& contents, bool& escaped) noexcept {
    const char* start = p_;
    escaped = false;
    for (;;) {
      while (p_ < e_ && string_classes[static_cast<unsigned char>(*p_)] == 0) ++p_;
      if (p_ >= e_) return fail(JsonScanError::truncated);
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
          return fail(JsonScanError::control_character);
        default:
          if (!utf8()) return false;
          break;
      }
    }
  }

  bool value(JsonKind& kind, bool& escaped, std::string_view& text, int depth) noexcept {
    if (p_ >= e_) return fail(JsonScanError::truncated);
    const char* start = p_;
    escaped = false;
    switch (*p_) {
      case '"':
        ++p_;
        kind = JsonKind::string;
        return string(text, escaped);
      case '{':
        kind = JsonKind::object;
        if (!object(depth + 1)) return false;
        break;
      case '[':
        kind = JsonKind::array;
        if (!array(depth + 1)) return false;
        break;
      case 't':
        kind = JsonKind::boolean;
        if (!literal("true")) return false;
        break;
      case 'f':
        kind = JsonKind::boolean;
        if (!literal("false")) return false;
        break;
      case 'n':
        kind = JsonKind::null;
        if (!literal("null")) return false;
        break;
      default:
        kind = JsonKind::number;
        if (!number()) return false;
        break;
    }
    text = std::string_view(start, static_cast<std::size_t>(p_ - start));
    return true;
  }

 private:
  bool escape() noexcept {
    ++p_;  // backslash
    if (p_ >= e_) return fail(JsonScanError::truncated);
    switch (*p_) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        ++p_;
        return true;
      case 'u': {
        ++p_;
        std::uint32_t unit = 0;
        if (!hex4(unit)) return false;
        // A strict parser accepts a surrogate only as a high-low pair.
        if (unit >= 0xDC00 && unit <= 0xDFFF) return fail(JsonScanError::syntax);
        if (unit < 0xD800 || unit > 0xDBFF) return true;
        if (e_ - p_ < 2) return fail(JsonScanError::truncated);
        if (p_[0] != '\\' || p_[1] != 'u') return fail(JsonScanError::syntax);
        p_ += 2;
        if (!hex4(unit)) return false;
        return unit >= 0xDC00 && unit <= 0xDFFF ? true : fail(JsonScanError::syntax);
      }
      default:
        return fail(JsonScanError::syntax);
    }
  }

  /// Four hex digits at p_, read into `unit`; advances past them.
  bool hex4(std::uint32_t& unit) noexcept {
    unit = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      if (p_ >= e_) return fail(JsonScanError::truncated);
      const char c = *p_;
      if (!is_hex(c)) return fail(JsonScanError::syntax);
      unit = unit << 4 | static_cast<std::uint32_t>(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return true;
  }

  bool utf8() noexcept {
    std::size_t n = 0;
    switch (check_utf8_sequence(std::string_view(p_, static_cast<std::size_t>(e_ - p_)), 0, n)) {
      case Utf8Check::valid: p_ += n; return true;
      case Utf8Check::truncated: return fail(JsonScanError::truncated);
      case Utf8Check::invalid: break;
    }
    return fail(JsonScanError::invalid_utf8);
  }

  bool literal(std::string_view word) noexcept {
    const auto left = static_cast<std::size_t>(e_ - p_);
    if (left < word.size()) {
      if (std::memcmp(p_, word.data(), left) == 0) return fail(JsonScanError::truncated);
      return fail(JsonScanError::syntax);
    }
    if (std::memcmp(p_, word.data(), word.size()) != 0) return fail(JsonScanError::syntax);
    p_ += word.size();
    return true;
  }

  bool digits() noexcept {
    if (p_ >= e_) return fail(JsonScanError::truncated);
    if (!is_digit(*p_)) return fail(JsonScanError::syntax);
    while (p_ < e_ && is_digit(*p_)) ++p_;
    return true;
  }

  bool number() noexcept {
    if (*p_ == '-') {
      ++p_;
      if (p_ >= e_) return fail(JsonScanError::truncated);
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
    if (depth > max_json_depth) return fail(JsonScanError::too_deep);
    ++p_;  // '['
    skip_ws();
    if (p_ >= e_) return fail(JsonScanError::truncated);
    if (*p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      JsonKind k;
      bool esc;
      std::string_view t;
      if (!value(k, esc, t, depth)) return false;
      skip_ws();
      if (p_ >= e_) return fail(JsonScanError::truncated);
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      return fail(JsonScanError::syntax);
    }
  }

  bool object(int depth) noexcept {
    if (depth > max_json_depth) return fail(JsonScanError::too_deep);
    ++p_;  // '{'
    skip_ws();
    if (p_ >= e_) return fail(JsonScanError::truncated);
    if (*p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (p_ >= e_) return fail(JsonScanError::truncated);
      if (*p_ != '"') return fail(JsonScanError::syntax);
      ++p_;
      std::string_view key;
      bool esc;
      if (!string(key, esc)) return false;
      skip_ws();
      if (p_ >= e_) return fail(JsonScanError::truncated);
      if (*p_ != ':') return fail(JsonScanError::syntax);
      ++p_;
      skip_ws();
      JsonKind k;
      std::string_view t;
      if (!value(k, esc, t, depth)) return false;
      skip_ws();
      if (p_ >= e_) return fail(JsonScanError::truncated);
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      return fail(JsonScanError::syntax);
    }
  }

  const char* p_;
  const char* e_;
  JsonScanError err_ = JsonScanError::none;
};

}  // namespace

JsonScanError scan_json_object(std::string_view text, std::vector<JsonMember>& members) {
  members.clear();
  Scanner s(text.data(), text.data() + text.size());
  s.skip_ws();
  if (s.at_end() || s.peek() != '{') return JsonScanError::not_object;
  s.advance();
  s.skip_ws();
  if (s.at_end()) return JsonScanError::truncated;
  if (s.peek() == '}') {
    s.advance();
  } else {
    for (;;) {
      s.skip_ws();
      if (s.at_end()) return JsonScanError::truncated;
      if (s.peek() != '"') return JsonScanError::syntax;
      s.advance();
      JsonMember m;
      if (!s.string(m.key, m.key_escaped)) return s.error();
      s.skip_ws();
      if (s.at_end()) return JsonScanError::truncated;
      if (s.peek() != ':') return JsonScanError::syntax;
      s.advance();
      s.skip_ws();
      if (!s.value(m.kind, m.value_escaped, m.value, 0)) return s.error();
      members.push_back(m);
      s.skip_ws();
      if (s.at_end()) return JsonScanError::truncated;
      if (s.peek() == ',') {
        s.advance();
        continue;
      }
      if (s.peek() == '}') {
        s.advance();
        break;
      }
      return JsonScanError::syntax;
    }
  }
  s.skip_ws();
  return s.at_end() ? JsonScanError::none : JsonScanError::trailing_data;
}

bool is_json_blank(std::string_view text) noexcept {
  for (const char c : text) {
    if (!is_ws(c)) return false;
  }
  return true;
}

}  // namespace leadscout::common

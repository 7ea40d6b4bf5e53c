// A validating JSON scanner that reads values in place, for the journal's record parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace leadscout::batch::detail {

/// Unescaped copies of strings, reused from one scan to the next; a deque, so that views into
/// earlier strings stay valid while later ones are added.
struct ScanStrings {
  std::deque<std::string> strings;
  std::size_t used = 0;
};

/// A validating scanner over one JSON text: accepts exactly what a strict JSON parser
/// accepts (RFC 8259, valid UTF-8, paired surrogates), without building a document. Defined
/// here in full so that the record parser's many small calls inline.
class JsonScanner {
 public:
  JsonScanner(std::string_view text, ScanStrings& scratch) noexcept
      : p_(text.data()), end_(text.data() + text.size()), scratch_(scratch) {}

  [[nodiscard]] bool at_end() noexcept {
    ws();
    return p_ == end_;
  }
  /// True when the next token starts a number.
  [[nodiscard]] bool number_ahead() noexcept {
    ws();
    return p_ < end_ && (*p_ == '-' || (*p_ >= '0' && *p_ <= '9'));
  }
  void ws() noexcept {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  [[nodiscard]] bool consume(char c) noexcept {
    ws();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  [[nodiscard]] bool peek(char c) noexcept {
    ws();
    return p_ < end_ && *p_ == c;
  }

  /// A string; `out` views the text when it has no escapes, else an unescaped copy in scratch.
  [[nodiscard]] bool string(std::string_view& out) {
    ws();
    if (p_ == end_ || *p_ != '"') return false;
    ++p_;
    const char* begin = p_;
    while (p_ < end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out = std::string_view(begin, static_cast<std::size_t>(p_ - begin));
        ++p_;
        return true;
      }
      if (c == '\\') break;
      if (c < 0x20) return false;
      if (c < 0x80) {
        ++p_;
      } else if (!utf8()) {
        return false;
      }
    }
    if (p_ == end_) return false;
    // Escapes: unescape into a scratch string.
    if (scratch_.used == scratch_.strings.size()) scratch_.strings.emplace_back();
    std::string& buf = scratch_.strings[scratch_.used++];
    buf.assign(begin, p_);
    while (p_ < end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        out = buf;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (!escape(&buf)) return false;
        continue;
      }
      const char* s = p_;
      if (c < 0x80) {
        ++p_;
      } else if (!utf8()) {
        return false;
      }
      buf.append(s, p_);
    }
    return false;
  }

  /// A number; `is_integer` when it has neither fraction nor exponent.
  [[nodiscard]] bool number(std::string_view& text, bool& is_integer) noexcept {
    ws();
    const char* s = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    } else {
      return false;
    }
    is_integer = true;
    if (p_ < end_ && *p_ == '.') {
      is_integer = false;
      ++p_;
      if (!digits()) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
    }
    text = std::string_view(s, static_cast<std::size_t>(p_ - s));
    return true;
  }

  /// Any value, validated and skipped; `text` is its exact span.
  [[nodiscard]] bool value(std::string_view* text = nullptr, int depth = 0) {
    ws();
    if (p_ == end_ || depth > kMaxDepth) return false;
    const char* s = p_;
    bool ok = false;
    switch (*p_) {
      case '"': {
        std::string_view v;
        const std::size_t used = scratch_.used;
        ok = string(v);
        scratch_.used = used;
        break;
      }
      case '{':
        ++p_;
        if (consume('}')) {
          ok = true;
          break;
        }
        for (;;) {
          std::string_view key;
          const std::size_t used = scratch_.used;
          if (!string(key) || !consume(':') || !value(nullptr, depth + 1)) return false;
          scratch_.used = used;
          if (consume(',')) continue;
          ok = consume('}');
          break;
        }
        break;
      case '[':
        ++p_;
        if (consume(']')) {
          ok = true;
          break;
        }
        for (;;) {
          if (!value(nullptr, depth + 1)) return false;
          if (consume(',')) continue;
          ok = consume(']');
          break;
        }
        break;
      case 't': ok = literal("true"); break;
      case 'f': ok = literal("false"); break;
      case 'n': ok = literal("null"); break;
      default: {
        std::string_view num;
        bool integer = false;
        ok = number(num, integer);
      }
    }
    if (ok && text != nullptr) *text = std::string_view(s, static_cast<std::size_t>(p_ - s));
    return ok;
  }

 private:
  static constexpr int kMaxDepth = 1000;

  bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }
  bool digits() noexcept {
    const char* s = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ > s;
  }
  /// One multi-byte UTF-8 sequence at p_ (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
  bool utf8() noexcept {
    const auto* u = reinterpret_cast<const unsigned char*>(p_);
    const auto left = end_ - p_;
    auto cont = [&](int i, unsigned lo = 0x80, unsigned hi = 0xBF) {
      return i < left && u[i] >= lo && u[i] <= hi;
    };
    int len = 0;
    if (u[0] >= 0xC2 && u[0] <= 0xDF) {
      len = cont(1) ? 2 : 0;
    } else if (u[0] == 0xE0) {
      len = cont(1, 0xA0) && cont(2) ? 3 : 0;
    } else if ((u[0] >= 0xE1 && u[0] <= 0xEC) || u[0] == 0xEE || u[0] == 0xEF) {
      len = cont(1) && cont(2) ? 3 : 0;
    } else if (u[0] == 0xED) {
      len = cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    } else if (u[0] == 0xF0) {
      len = cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    } else if (u[0] >= 0xF1 && u[0] <= 0xF3) {
      len = cont(1) && cont(2) && cont(3) ? 4 : 0;
    } else if (u[0] == 0xF4) {
      len = cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    }
    p_ += len;
    return len > 0;
  }
  bool hex4(std::uint32_t& v) noexcept {
    if (end_ - p_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }
  /// An escape sequence at p_ (the backslash); appends the character to `out`.
  bool escape(std::string* out) {
    ++p_;
    if (p_ == end_) return false;
    const char c = *p_++;
    char simple = 0;
    switch (c) {
      case '"': simple = '"'; break;
      case '\\': simple = '\\'; break;
      case '/': simple = '/'; break;
      case 'b': simple = '\b'; break;
      case 'f': simple = '\f'; break;
      case 'n': simple = '\n'; break;
      case 'r': simple = '\r'; break;
      case 't': simple = '\t'; break;
      case 'u': break;
      default: return false;
    }
    if (simple != 0) {
      out->push_back(simple);
      return true;
    }
    std::uint32_t cp = 0;
    if (!hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      std::uint32_t lo = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    return true;
  }

  const char* p_;
  const char* end_;
  ScanStrings& scratch_;
};

}  // namespace leadscout::batch::detail

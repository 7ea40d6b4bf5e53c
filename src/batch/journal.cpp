// The checkpoint journal: replay on open, append from many workers, group commit.
#include "leadscout/batch/detail/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "leadscout/batch/options.hpp"

namespace leadscout::batch::detail {

namespace {

constexpr std::string_view kMagic = "leadscout.batch";
constexpr int kVersion = 1;
/// Pause instructions a worker spins for the current writer before it sleeps (a few µs).
constexpr int kSpins = 200;

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::string to_hex(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[v & 15U];
    v >>= 4;
  }
  return out;
}

std::string header_line(const JournalHeader& h) {
  nlohmann::json j{{"journal", kMagic},          {"version", kVersion},         {"operation", h.operation},
                   {"fingerprint", h.fingerprint}, {"items", h.items},            {"created_at", h.created_at},
                   {"shard", h.shard ? nlohmann::json(std::to_string(h.shard->index) + "/" +
                                                      std::to_string(h.shard->count))
                                     : nlohmann::json(nullptr)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

/// A hint to the CPU inside a spin loop.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

bool write_all(int fd, std::string_view data, int& err) noexcept {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

/// A validating scanner over one JSON text: accepts exactly what a strict JSON parser
/// accepts (RFC 8259, valid UTF-8, paired surrogates), without building a document.
class Scanner {
 public:
  Scanner(std::string_view text, RecordScratch& scratch) noexcept
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
  RecordScratch& scratch_;
};

template <class T>
bool to_integer(std::string_view text, T& out) noexcept {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

}  // namespace

bool parse_record(std::string_view line, JournalRecord& r, RecordScratch& scratch) {
  scratch.used = 0;
  scratch.metrics.clear();
  r = JournalRecord{};
  Scanner in(line, scratch);
  if (!in.consume('{')) return false;
  bool has_id = false;
  bool has_status = false;
  bool has_result = false;
  bool has_error = false;
  bool has_metrics = false;
  if (!in.consume('}')) {
    for (;;) {
      std::string_view key;
      if (!in.string(key) || !in.consume(':')) return false;
      in.ws();
      // Duplicate keys: the last one counts, as in nlohmann::json.
      if (key == "id" || key == "status" || key == "error") {
        std::string_view v;
        bool is_string = false;
        if (in.peek('"')) {
          if (!in.string(v)) return false;
          is_string = true;
        } else if (!in.value()) {
          return false;
        }
        if (key == "id") {
          has_id = is_string;
          r.id = v;
        } else if (key == "status") {
          has_status = is_string && (v == "ok" || v == "failed");
          r.ok = v == "ok";
        } else {
          has_error = is_string;
          r.error = v;
        }
      } else if (key == "attempts" || key == "duration_ms") {
        std::string_view num;
        bool integer = false;
        if (in.number_ahead()) {
          if (!in.number(num, integer)) return false;
          if (key == "attempts") {
            std::int64_t a = 0;
            std::uint64_t u = 0;
            if (integer && to_integer(num, a)) {
              r.attempts = static_cast<int>(a);
            } else if (integer && to_integer(num, u)) {
              r.attempts = static_cast<int>(u);
            }
          } else {
            double d = 0.0;
            const auto res = std::from_chars(num.data(), num.data() + num.size(), d);
            r.duration_ms = res.ec == std::errc() ? d : 0.0;
          }
        } else if (!in.value()) {
          return false;
        }
      } else if (key == "result") {
        if (!in.value(&r.result)) return false;
        has_result = true;
      } else if (key == "metrics" && in.peek('{')) {
        scratch.metrics.clear();
        has_metrics = true;
        (void)in.consume('{');
        if (!in.consume('}')) {
          for (;;) {
            std::string_view name;
            if (!in.string(name) || !in.consume(':')) return false;
            in.ws();
            std::string_view num;
            bool integer = false;
            if (in.number_ahead()) {
              if (!in.number(num, integer)) return false;
              std::int64_t v = 0;
              std::uint64_t u = 0;
              if (integer && to_integer(num, v)) {
                scratch.metrics.emplace_back(name, v);
              } else if (integer && to_integer(num, u)) {
                scratch.metrics.emplace_back(name, static_cast<std::int64_t>(u));
              }
            } else if (!in.value()) {
              return false;
            }
            if (in.consume(',')) continue;
            if (!in.consume('}')) return false;
            break;
          }
        }
      } else {
        if (key == "metrics") {
          has_metrics = false;
          scratch.metrics.clear();
        }
        if (!in.value()) return false;
      }
      if (in.consume(',')) continue;
      if (!in.consume('}')) return false;
      break;
    }
  }
  if (!in.at_end()) return false;
  if (!has_id || !has_status) return false;
  if (r.ok && !has_result) return false;
  if (r.ok || !has_error) r.error = {};
  if (!r.ok) r.result = {};
  if (has_metrics) r.metrics = scratch.metrics;
  return true;
}

void Fingerprint::add(std::string_view id) noexcept { add_hash(stable_hash(id)); }

void Fingerprint::add_hash(std::uint64_t id_hash) noexcept {
  sum_ += mix(id_hash);
  ++count_;
}

std::string Fingerprint::hex() const { return to_hex(mix(sum_ ^ mix(count_))); }

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      out += static_cast<char>(c);
      ++p;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          out += "\\u00";
          out += digits[c >> 4];
          out += digits[c & 15U];
      }
      ++p;
      continue;
    }
    // Multi-byte UTF-8: copy a valid sequence, replace anything else with U+FFFD.
    int len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1FU;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0FU;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07U;
    }
    bool valid = len > 0 && end - p >= len;
    for (int i = 1; valid && i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) {
        valid = false;
      } else {
        cp = (cp << 6) | (p[i] & 0x3FU);
      }
    }
    if (valid) {
      valid = !((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF));
    }
    if (valid) {
      out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(len));
      p += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++p;
    }
  }
  out += '"';
}

void format_record(std::string& out, std::string_view id, bool ok, int attempts, double duration_ms,
                   std::string_view result_json, std::string_view error,
                   const std::vector<std::pair<std::string, std::int64_t>>& metrics) {
  char buf[48];
  out += "{\"id\":";
  append_json_string(out, id);
  out += ok ? ",\"status\":\"ok\",\"attempts\":" : ",\"status\":\"failed\",\"attempts\":";
  auto r = std::to_chars(buf, buf + sizeof buf, attempts);
  out.append(buf, r.ptr);
  out += ",\"duration_ms\":";
  r = std::to_chars(buf, buf + sizeof buf, duration_ms, std::chars_format::fixed, 3);
  out.append(buf, r.ptr);
  if (ok) {
    out += ",\"result\":";
    out += result_json;
  } else {
    out += ",\"error\":";
    append_json_string(out, error);
  }
  if (!metrics.empty()) {
    out += ",\"metrics\":{";
    bool first = true;
    for (const auto& [name, value] : metrics) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, name);
      out += ':';
      r = std::to_chars(buf, buf + sizeof buf, value);
      out.append(buf, r.ptr);
    }
    out += '}';
  }
  out += "}\n";
}

Journal::~Journal() { close(); }

void Journal::close() noexcept {
  if (fd_ >= 0) {
    sync();
    ::close(fd_);
    fd_ = -1;
  }
}

int Journal::append(std::string_view data) noexcept {
  std::unique_lock lock(gm_);
  if (error_ != 0) return error_;
  try {
    pending_.append(data);
  } catch (const std::bad_alloc&) {
    return ENOMEM;
  }
  appended_ += data.size();
  const std::uint64_t mine = appended_;
  for (;;) {
    if (written_.load(std::memory_order_relaxed) >= mine) return 0;
    if (error_ != 0) return error_;
    if (!writing_.load(std::memory_order_relaxed)) {
      // Become the writer of everything pending, ours included.
      // While others wait for lines that arrived during the write, keep writing for them.
      writing_.store(true, std::memory_order_relaxed);
      do {
        batch_.swap(pending_);
        const std::uint64_t end = appended_;
        lock.unlock();
        int err = 0;
        const bool ok = write_all(fd_, batch_, err);
        batch_.clear();
        if (ok) dirty_.store(true, std::memory_order_relaxed);
        lock.lock();
        if (ok) {
          written_.store(end, std::memory_order_release);
        } else {
          error_ = err;
        }
        if (waiters_ > 0) gcv_.notify_all();
      } while (error_ == 0 && waiters_ > 0 && !pending_.empty());
      writing_.store(false, std::memory_order_release);
      continue;
    }
    // Another worker is writing (maybe our line too): spin briefly, then sleep.
    lock.unlock();
    for (int i = 0; i < kSpins; ++i) {
      if (written_.load(std::memory_order_acquire) >= mine || !writing_.load(std::memory_order_acquire)) break;
      cpu_relax();
    }
    lock.lock();
    if (written_.load(std::memory_order_relaxed) >= mine || !writing_.load(std::memory_order_relaxed) || error_ != 0) {
      continue;
    }
    ++waiters_;
    gcv_.wait(lock);
    --waiters_;
  }
}

int Journal::sync() noexcept {
  if (fd_ < 0 || !dirty_.exchange(false)) return 0;
  return ::fdatasync(fd_) == 0 ? 0 : errno;
}

JournalOpenReport Journal::open(const std::filesystem::path& path, const JournalHeader& header, bool fresh,
                                const std::function<void(const JournalRecord&)>& on_record) {
  close();
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw Error("cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) throw Error("cannot open journal " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw Error("journal " + path.string() + " is in use by another process running operation \"" +
                header.operation + "\"");
  }
  fd_ = fd;
  path_ = path;
  JournalOpenReport report;
  auto fail = [&](const std::string& message) {
    ::close(fd_);
    fd_ = -1;
    throw Error(message);
  };
  if (fresh && ::ftruncate(fd_, 0) != 0) fail("cannot truncate journal " + path.string() + ": " + std::strerror(errno));

  // Replay: read in chunks, one line at a time.
  std::string pending;
  std::vector<char> chunk(1 << 20);
  off_t offset = 0;         // file offset of pending[0]
  off_t good_end = 0;       // end of the last line worth keeping
  bool header_seen = false;
  std::size_t line_no = 0;
  RecordScratch scratch;
  JournalRecord record;
  auto drop = [&](std::size_t no, std::string_view why) {
    if (report.dropped_lines++ == 0) {
      report.dropped_detail = "line " + std::to_string(no) + " of " + path.string() + ": " + std::string(why);
    }
  };
  auto handle_line = [&](std::string_view line, bool last_complete_line) {
    ++line_no;
    if (!header_seen) {
      const auto h = nlohmann::json::parse(line, nullptr, false);
      if (h.is_discarded() || !h.is_object() || h.value("journal", "") != kMagic) {
        fail("journal " + path.string() + " does not start with a leadscout.batch header; pass fresh = true to start it over");
      }
      if (h.value("fingerprint", "") != header.fingerprint) {
        fail("journal " + path.string() + " was written for a different input (" +
             std::to_string(h.value("items", std::uint64_t{0})) + " items, fingerprint " + h.value("fingerprint", "") +
             "; this input: " + std::to_string(header.items) + " items, fingerprint " + header.fingerprint +
             "); pass fresh = true to start over, or use another operation name");
      }
      header_seen = true;
      report.resumed = true;
      return true;
    }
    if (parse_record(line, record, scratch)) {
      on_record(record);
      ++report.records;
      return true;
    }
    // A write torn by a crash, followed by the next record: recover the record after it.
    if (!last_complete_line) {
      if (auto pos = line.rfind("{\"id\":"); pos != std::string_view::npos && pos > 0 &&
                                              parse_record(line.substr(pos), record, scratch)) {
        drop(line_no, "torn record followed by a complete one");
        on_record(record);
        ++report.records;
        return true;
      }
    }
    drop(line_no, "corrupt record");
    return false;
  };
  for (;;) {
    const ssize_t n = ::read(fd_, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot read journal " + path.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    pending.append(chunk.data(), static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (;;) {
      const auto nl = pending.find('\n', start);
      if (nl == std::string::npos) break;
      const std::string_view line(pending.data() + start, nl - start);
      const bool kept = handle_line(line, false);
      const off_t line_end = offset + static_cast<off_t>(nl + 1);
      if (kept) good_end = line_end;
      start = nl + 1;
    }
    pending.erase(0, start);
    offset += static_cast<off_t>(start);
  }
  if (!pending.empty()) {
    if (!header_seen) {
      good_end = 0;  // a torn header: start over
    } else {
      drop(line_no + 1, "torn last line (no newline)");
    }
  }
  struct stat st {};
  ::fstat(fd_, &st);
  if (good_end < st.st_size) {
    // Cut off whatever follows the last good line (a torn or corrupt tail).
    if (::ftruncate(fd_, good_end) != 0) fail("cannot truncate journal " + path.string() + ": " + std::strerror(errno));
    ::fsync(fd_);
  }
  if (good_end == 0) {
    report.resumed = false;
    int err = 0;
    if (!write_all(fd_, header_line(header), err) || ::fsync(fd_) != 0) {
      fail("cannot write journal " + path.string() + ": " + std::strerror(err != 0 ? err : errno));
    }
    if (path.has_parent_path()) {
      const int dfd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
      }
    }
  }
  return report;
}

}  // namespace leadscout::batch::detail

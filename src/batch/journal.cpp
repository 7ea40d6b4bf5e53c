// The checkpoint journal: replay on open, appends through a shared mapping, group commit.
#include "journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "leadscout/batch/options.hpp"

namespace leadscout::batch::detail {

namespace {

constexpr std::string_view kMagic = "leadscout.batch";
constexpr int kVersion = 1;
/// How much file a mapping covers beyond the lines already written: a new mapping (and a
/// fallocate) every 4 MiB, about 50,000 records.
constexpr std::uint64_t kChunk = 4U << 20;

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

bool write_all(int fd, std::string_view data, std::uint64_t offset, int& err) noexcept {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::pwrite(fd, p, left, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    p += n;
    offset += static_cast<std::uint64_t>(n);
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

/// Makes a new directory entry for `file` durable.
void sync_directory(const std::filesystem::path& file) noexcept {
  if (!file.has_parent_path()) return;
  const int dfd = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::uint64_t page_size() noexcept {
  static const auto size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::uint64_t round_up(std::uint64_t n, std::uint64_t to) noexcept { return (n + to - 1) / to * to; }

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

void Journal::unmap() noexcept {
  if (map_ != nullptr) ::munmap(map_, map_end_ - map_offset_);
  map_ = nullptr;
  map_offset_ = map_end_ = 0;
}

void Journal::cut_preallocated_tail() noexcept {
  unmap();
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && static_cast<std::uint64_t>(st.st_size) > tail_ &&
      ::ftruncate(fd_, static_cast<off_t>(tail_)) == 0) {
    dirty_.store(true);
  }
}

void Journal::close() noexcept {
  if (fd_ < 0) return;
  cut_preallocated_tail();
  sync();
  ::close(fd_);
  fd_ = -1;
  tail_ = 0;
  use_pwrite_ = false;
  error_ = 0;
  relink_failed_ = false;
}

int Journal::grow(std::size_t need) noexcept {
  const std::uint64_t start = tail_ / page_size() * page_size();
  const std::uint64_t least = round_up(tail_ - start + need, page_size());
  // The blocks are reserved before the mapping: a store into a page the file system cannot
  // back would be a SIGBUS, not an error. Short of space, take only what this line needs.
  std::uint64_t size = std::max(least, kChunk);
  int rc = ::fallocate(fd_, 0, static_cast<off_t>(start), static_cast<off_t>(size));
  if (rc != 0 && (errno == ENOSPC || errno == EFBIG) && size > least) {
    size = least;
    rc = ::fallocate(fd_, 0, static_cast<off_t>(start), static_cast<off_t>(size));
  }
  if (rc != 0) {
    if (errno != EOPNOTSUPP && errno != ENOSYS) return errno;
    unmap();
    use_pwrite_ = true;
    return 0;
  }
  unmap();
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(start));
  if (p == MAP_FAILED) {
    if (errno != ENODEV) return errno;
    use_pwrite_ = true;  // a file system without shared mappings
    return 0;
  }
  map_ = static_cast<char*>(p);
  map_offset_ = start;
  map_end_ = start + size;
#ifdef MADV_POPULATE_WRITE
  // One call maps every page writable instead of a page fault every 4 KiB of lines; older
  // kernels refuse it and fault as usual.
  (void)::madvise(map_, size, MADV_POPULATE_WRITE);
#endif
  return 0;
}

int Journal::append(std::string_view data) noexcept {
  std::lock_guard lock(gm_);
  if (error_ != 0) return error_;
  if (fd_ < 0) return EBADF;
  if (!use_pwrite_ && tail_ + data.size() > map_end_) error_ = grow(data.size());
  if (error_ == 0 && use_pwrite_) write_all(fd_, data, tail_, error_);
  if (error_ != 0) return error_;
  if (!use_pwrite_) std::memcpy(map_ + (tail_ - map_offset_), data.data(), data.size());
  tail_ += data.size();
  dirty_.store(true, std::memory_order_relaxed);
  return 0;
}

void Journal::relink_if_deleted() noexcept {
  struct stat open_file {};
  struct stat at_path {};
  if (::fstat(fd_, &open_file) != 0) return;
  if (::stat(path_.c_str(), &at_path) == 0 && at_path.st_ino == open_file.st_ino && at_path.st_dev == open_file.st_dev) {
    if (relink_failed_) {
      relink_failed_ = false;
      notice_ = "journal " + path_.string() + " is back at its path";
    }
    return;
  }
  // The file (or its directory) was deleted: every line is still in the open file, so a new
  // file at the path gets a copy of it, and appends continue there.
  std::string why;
  int fd = -1;
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  const std::string tmp = path_.string() + ".relink." + std::to_string(::getpid());
  if (ec) {
    why = "cannot create " + path_.parent_path().string() + ": " + ec.message();
  } else if ((fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0) {
    why = "cannot create " + tmp + ": " + std::strerror(errno);
  }
  std::vector<char> buf(1 << 20);
  std::uint64_t copied = 0;
  auto copy_to = [&](std::uint64_t end) {
    while (why.empty() && copied < end) {
      const ssize_t n = ::pread(fd_, buf.data(), std::min<std::uint64_t>(buf.size(), end - copied), static_cast<off_t>(copied));
      int err = 0;
      if (n <= 0) {
        why = std::string("cannot read the open journal: ") + std::strerror(n < 0 ? errno : EIO);
      } else if (!write_all(fd, std::string_view(buf.data(), static_cast<std::size_t>(n)), copied, err)) {
        why = "cannot write " + tmp + ": " + std::strerror(err);
      } else {
        copied += static_cast<std::uint64_t>(n);
      }
    }
  };
  std::uint64_t end = 0;
  {
    std::lock_guard lock(gm_);
    end = tail_;
  }
  copy_to(end);  // the bulk without holding up the workers: the written part never changes
  std::lock_guard lock(gm_);
  copy_to(tail_);
  if (why.empty() && ::fdatasync(fd) != 0) why = "cannot sync " + tmp + ": " + std::strerror(errno);
  if (why.empty() && ::flock(fd, LOCK_EX | LOCK_NB) != 0) why = "cannot lock " + tmp + ": " + std::strerror(errno);
  if (why.empty() && ::rename(tmp.c_str(), path_.c_str()) != 0) {
    why = "cannot rename " + tmp + ": " + std::strerror(errno);
  }
  if (!why.empty()) {
    if (fd >= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
    }
    if (!relink_failed_) {
      relink_failed_ = true;
      notice_ = "journal " + path_.string() + " was deleted and cannot be written anew yet (" + why +
                "); records go on into the open file and are copied there once the path is writable";
    }
    return;
  }
  cut_preallocated_tail();  // the old file may live on elsewhere (a moved directory)
  ::close(fd_);
  fd_ = fd;
  relink_failed_ = false;
  notice_ = "journal " + path_.string() + " was deleted while the batch ran; written anew from the open file (" +
            std::to_string(tail_) + " bytes)";
  sync_directory(path_);
}

int Journal::sync() noexcept {
  if (fd_ < 0) return 0;
  relink_if_deleted();
  if (!dirty_.exchange(false)) return 0;
  return ::fdatasync(fd_) == 0 ? 0 : errno;
}

std::string Journal::take_notice() { return std::exchange(notice_, std::string()); }

JournalOpenReport Journal::open(const std::filesystem::path& path, const JournalHeader& header, bool fresh,
                                const std::function<void(const JournalRecord&)>& on_record) {
  close();
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw Error("cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
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
  // A crash leaves the preallocated, never written part of the file: NUL bytes, not a record.
  while (!pending.empty() && pending.back() == '\0') pending.pop_back();
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
    const std::string line = header_line(header);
    if (!write_all(fd_, line, 0, err) || ::fsync(fd_) != 0) {
      fail("cannot write journal " + path.string() + ": " + std::strerror(err != 0 ? err : errno));
    }
    sync_directory(path);
    good_end = static_cast<off_t>(line.size());
  }
  tail_ = static_cast<std::uint64_t>(good_end);
  return report;
}

}  // namespace leadscout::batch::detail

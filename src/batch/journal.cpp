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

/// Parses a record line; false when it is not a valid record.
bool parse_record(std::string_view line, nlohmann::json& j, JournalRecord& r) {
  j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  auto id = j.find("id");
  auto status = j.find("status");
  if (id == j.end() || !id->is_string() || status == j.end() || !status->is_string()) return false;
  const auto& st = status->get_ref<const std::string&>();
  if (st != "ok" && st != "failed") return false;
  r = JournalRecord{};
  r.id = id->get_ref<const std::string&>();
  r.ok = st == "ok";
  if (auto a = j.find("attempts"); a != j.end() && a->is_number_integer()) r.attempts = a->get<int>();
  if (auto d = j.find("duration_ms"); d != j.end() && d->is_number()) r.duration_ms = d->get<double>();
  if (r.ok) {
    auto res = j.find("result");
    if (res == j.end()) return false;
    r.result = &*res;
  } else if (auto e = j.find("error"); e != j.end() && e->is_string()) {
    r.error = e->get_ref<const std::string&>();
  }
  if (auto m = j.find("metrics"); m != j.end() && m->is_object()) r.metrics = &*m;
  return true;
}

}  // namespace

void Fingerprint::add(std::string_view id) noexcept {
  sum_ += mix(stable_hash(id));
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
  int err = 0;
  if (!write_all(fd_, data, err)) return err;
  dirty_.store(true, std::memory_order_relaxed);
  return 0;
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
  nlohmann::json j;
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
    if (parse_record(line, j, record)) {
      on_record(record);
      ++report.records;
      return true;
    }
    // A write torn by a crash, followed by the next record: recover the record after it.
    if (!last_complete_line) {
      if (auto pos = line.rfind("{\"id\":"); pos != std::string_view::npos && pos > 0 &&
                                              parse_record(line.substr(pos), j, record)) {
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

#include "reader.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <tuple>
#include <system_error>
#include <utility>

#include "log_file_name.hpp"
#include "posix_file.hpp"

namespace leadscout::logs_tool {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t read_chunk = std::size_t{1} << 20;

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// Splits "base-DATE" or "base-DATE.INSTANCE" into its parts; false for other names.
bool split_dated(std::string_view name, std::string_view& base, std::string_view& date, std::string_view& instance) {
  for (std::size_t end : {name.size(), name.rfind('.')}) {
    if (end == std::string_view::npos || end < 11 || name[end - 11] != '-') continue;
    if (!common::is_iso_date(name.substr(end - 10, 10)) || !common::instance_between(name.substr(end), instance)) {
      continue;
    }
    base = name.substr(0, end - 11);
    date = name.substr(end - 10, 10);
    return true;
  }
  return false;
}

std::uint8_t bit(FileRole r) noexcept { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(r)); }

bool is_or_under(std::string_view logger, std::string_view name) noexcept {
  return logger == name ||
         (logger.size() > name.size() && logger.substr(0, name.size()) == name &&
          logger[name.size()] == '.');
}

// First non-whitespace byte of a file, 0 when empty; throws PathError when unreadable.
char first_byte(const fs::path& path) {
  gzFile gz = gzopen(path.c_str(), "rb");  // reads plain files transparently
  if (gz == nullptr) {
    throw PathError(path.string() + ": cannot open: " + std::strerror(errno));
  }
  char buf[256];
  char result = 0;
  for (;;) {
    const int n = gzread(gz, buf, sizeof buf);
    if (n < 0) {
      int errnum = 0;
      (void)gzerror(gz, &errnum);
      gzclose(gz);
      if (errnum == Z_ERRNO) throw PathError(path.string() + ": cannot read: " + std::strerror(errno));
      return '?';  // damaged compressed data: not a JSON lines file we can use
    }
    if (n == 0) break;
    const auto* it = std::find_if(buf, buf + n, [](char c) {
      return c != ' ' && c != '\t' && c != '\r' && c != '\n';
    });
    if (it != buf + n) {
      result = *it;
      break;
    }
  }
  gzclose(gz);
  return result;
}

}  // namespace

LineReader::LineReader(const fs::path& path) : path_(path.string()) {
  if (ends_with(path_, ".gz")) {
    gzFile gz = gzopen(path_.c_str(), "rb");
    if (gz == nullptr) throw PathError(path_ + ": cannot open: " + std::strerror(errno));
    gzbuffer(gz, 256 * 1024);
    gz_ = gz;
  } else {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw PathError(path_ + ": cannot open: " + std::strerror(errno));
#ifdef POSIX_FADV_SEQUENTIAL
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  }
  cap_ = max_line + read_chunk;
  buf_ = std::make_unique<char[]>(cap_);
}

LineReader::~LineReader() {
  if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
  if (fd_ >= 0) ::close(fd_);
}

long LineReader::fill(char* dst, std::size_t n) {
  if (gz_ != nullptr) {
    auto* gz = static_cast<gzFile>(gz_);
    const int got = gzread(gz, dst, static_cast<unsigned>(std::min(n, read_chunk)));
    if (got < 0) {
      int errnum = 0;
      stream_error_ = gzerror(gz, &errnum);
      return 0;
    }
    if (got == 0) {
      int errnum = 0;
      const char* msg = gzerror(gz, &errnum);
      if (errnum != Z_OK) stream_error_ = msg;
    }
    return got;
  }
  const ssize_t got = common::read_some(fd_, dst, n);
  if (got >= 0) return got;
  stream_error_ = std::string("read error: ") + std::strerror(errno);
  return 0;
}

bool LineReader::next(std::string_view& line) {
  char* const buf = buf_.get();
  for (;;) {
    const std::size_t pending = end_ - begin_;
    if (pending > 0) {
      const auto* nl = static_cast<const char*>(std::memchr(buf + begin_, '\n', pending));
      if (nl != nullptr) {
        const auto len = static_cast<std::size_t>(nl - (buf + begin_));
        line = std::string_view(buf + begin_, len);
        begin_ += len + 1;
        if (skipping_) {  // the rest of an overlong line already reported
          skipping_ = false;
          continue;
        }
        overlong_ = false;
        ++line_no_;
        return true;
      }
    }
    if (eof_) {
      if (pending == 0) return false;
      line = std::string_view(buf + begin_, pending);
      begin_ = end_;
      if (skipping_) {
        skipping_ = false;
        return false;
      }
      overlong_ = false;
      ++line_no_;
      return true;
    }
    if (pending >= max_line) {
      begin_ = end_ = 0;
      if (!skipping_) {
        skipping_ = true;
        overlong_ = true;
        ++line_no_;
        line = std::string_view(buf, max_line);
        return true;
      }
      continue;
    }
    if (begin_ > 0) {
      std::memmove(buf, buf + begin_, pending);
      begin_ = 0;
      end_ = pending;
    }
    const long got = fill(buf + end_, cap_ - end_);
    if (got <= 0) {
      eof_ = true;
    } else {
      end_ += static_cast<std::size_t>(got);
      bytes_ += static_cast<std::uint64_t>(got);
    }
  }
}

bool is_log_name(std::string_view filename) noexcept {
  return ends_with(filename, ".log") || ends_with(filename, ".log.gz");
}

void classify(InputFile& f) {
  std::string name = f.path.filename().string();
  if (ends_with(name, ".gz")) name.resize(name.size() - 3);
  if (ends_with(name, ".log")) name.resize(name.size() - 4);
  std::string_view base = name, date, instance;
  if (split_dated(name, base, date, instance)) {
    f.date = date;
    f.instance = instance;
  }
  const fs::path parent = f.path.parent_path();
  const std::string dir = parent.filename().string();
  f.tree = parent.parent_path().lexically_normal().string();
  f.role = FileRole::other;
  if (f.date.empty()) return;
  if (dir == "production") {
    if (base == "operations") f.role = FileRole::operations;
    if (base == "errors") f.role = FileRole::errors;
    if (base == "metrics") f.role = FileRole::metrics;
  } else if (dir == "debug") {
    if (base == "classification") f.role = FileRole::classification;
    if (base == "api-calls") f.role = FileRole::api_calls;
    if (base == "performance") f.role = FileRole::performance;
  }
}

void mark_present(std::vector<InputFile>& files) {
  std::map<std::tuple<std::string, std::string, std::string>, std::uint8_t> present;
  for (const auto& f : files) {
    if (f.role != FileRole::other) present[{f.tree, f.date, f.instance}] |= bit(f.role);
  }
  for (auto& f : files) {
    const auto it = present.find({f.tree, f.date, f.instance});
    f.present = it == present.end() ? 0 : it->second;
  }
}

std::vector<InputFile> collect_files(const std::vector<std::string>& paths,
                                     std::vector<std::string>& skipped) {
  std::vector<InputFile> files;
  for (const auto& p : paths) {
    const fs::path path(p);
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      throw PathError(p + ": no such file or directory");
    }
    if (!fs::is_directory(st)) {
      (void)first_byte(path);  // fails early, naming the path, when unreadable
      InputFile f{path, {}, {}, FileRole::other, false, 0, {}};
      classify(f);
      files.push_back(std::move(f));
      continue;
    }
    std::vector<fs::path> found;
    try {
      for (auto it = fs::recursive_directory_iterator(path); it != fs::recursive_directory_iterator();
           ++it) {
        if (it->is_regular_file() && is_log_name(it->path().filename().string())) {
          found.push_back(it->path());
        }
      }
    } catch (const fs::filesystem_error& e) {
      const std::string where = e.path1().empty() ? p : e.path1().string();
      throw PathError(where + ": cannot read directory: " + e.code().message());
    }
    // A day's .log and .log.gz both count: the archive holds what was written before the
    // compression, the plain file what a late writer added after it.
    for (const auto& f : found) {
      const std::string s = f.string();
      const char c = first_byte(f);
      if (c != 0 && c != '{') {
        skipped.push_back(s);
        continue;
      }
      InputFile in{f, {}, {}, FileRole::other, true, 0, {}};
      classify(in);
      files.push_back(std::move(in));
    }
  }
  std::stable_sort(files.begin(), files.end(), [](const InputFile& a, const InputFile& b) {
    if (a.date != b.date) return a.date < b.date;
    return a.path < b.path;
  });
  mark_present(files);
  return files;
}

bool instance_selected(const std::vector<std::string>& instances, const InputFile& f) {
  return instances.empty() || std::find(instances.begin(), instances.end(), f.instance) != instances.end();
}

bool counted_here(const InputFile& f, const Event& e) noexcept {
  if (f.role == FileRole::other) return true;
  std::uint8_t routes = 0;
  const std::string_view lg = e.logger;
  if (e.lvl >= Level::info && lg != "progress") routes |= bit(FileRole::operations);
  if (e.lvl >= Level::error) routes |= bit(FileRole::errors);
  if (e.lvl >= Level::info && lg == "metrics") routes |= bit(FileRole::metrics);
  if (e.lvl >= Level::debug) {
    if (is_or_under(lg, "classification")) routes |= bit(FileRole::classification);
    if (is_or_under(lg, "api")) routes |= bit(FileRole::api_calls);
    if (lg == "performance") routes |= bit(FileRole::performance);
  }
  const std::uint8_t own = bit(f.role);
  if ((routes & own) == 0) return true;  // not a default route: a custom one, count it
  const auto avail = static_cast<unsigned>(routes & f.present);
  return (avail & (~avail + 1)) == own;  // the first file of its routes that exists
}

std::string today_string(bool local) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  if (local) {
    localtime_r(&now, &tm);
  } else {
    gmtime_r(&now, &tm);
  }
  char buf[16];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return std::string(buf, n);
}

}  // namespace leadscout::logs_tool

#include "maintenance.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <map>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "posix_file.hpp"

namespace leadscout::log::detail {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view compressing_suffix = ".compressing";
constexpr std::string_view tmp_suffix = ".tmp";
constexpr char lock_file_name[] = ".leadscout-maintenance.lock";
/// How long a pass waits for another process's pass over the same directory.
constexpr std::chrono::seconds directory_lock_wait{10};

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

using common::UniqueFd;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// flock without waiting; a file system without flock counts as locked (nothing to share with).
bool try_lock(int fd, int operation) { return common::lock_file(fd, operation | LOCK_NB) == 0; }

bool same_file(int fd, const fs::path& path) {
  struct stat by_fd {}, by_path {};
  return ::fstat(fd, &by_fd) == 0 && ::stat(path.c_str(), &by_path) == 0 && by_fd.st_dev == by_path.st_dev &&
         by_fd.st_ino == by_path.st_ino;
}

/// The log file, locked exclusively, when it exists and no process has it open for writing;
/// otherwise an invalid descriptor.
UniqueFd open_idle(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid() || !try_lock(fd.get(), LOCK_EX) || !same_file(fd.get(), file)) return UniqueFd();
  return fd;
}

/// The directory's maintenance lock, waiting a bounded time for another process's pass.
UniqueFd lock_directory(const fs::path& dir) {
  const fs::path path = dir / lock_file_name;
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) return fd;  // e.g. the directory is not there yet: nothing to maintain
  const auto deadline = std::chrono::steady_clock::now() + directory_lock_wait;
  while (!try_lock(fd.get(), LOCK_EX)) {
    if (std::chrono::steady_clock::now() >= deadline) return UniqueFd();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fd;
}

void write_all(int fd, const char* data, std::size_t size, const fs::path& path) {
  const int err = common::write_all(fd, std::string_view(data, size));
  if (err != 0) throw_errno(err, fmt::format("cannot write {}", path.string()));
}

/// Copies an existing archive to the start of out, so a second member follows it (zcat reads
/// the members as one stream).
void copy_existing(const fs::path& archive, int out_fd, const fs::path& out_path) {
  UniqueFd in(::open(archive.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) {
    if (errno == ENOENT) return;
    throw_errno(errno, fmt::format("cannot read {}", archive.string()));
  }
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = common::read_some(in.get(), buf, sizeof buf);
    if (n < 0) throw_errno(errno, fmt::format("cannot read {}", archive.string()));
    if (n == 0) return;
    write_all(out_fd, buf, static_cast<std::size_t>(n), out_path);
  }
}

/// Appends the gzip member of in to out through zlib's gzip writer (on a duplicate of out_fd).
void write_gzip_member(int in_fd, int out_fd, const fs::path& out_path) {
  gzFile gz = gzdopen(::dup(out_fd), "ab6");
  if (gz == nullptr) throw_errno(ENOMEM, fmt::format("cannot start gzip stream {}", out_path.string()));
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = common::read_some(in_fd, buf, sizeof buf);
    if (n < 0) {
      const int err = errno;
      gzclose(gz);
      throw_errno(err, fmt::format("cannot read while compressing into {}", out_path.string()));
    }
    if (n == 0) break;
    if (gzwrite(gz, buf, static_cast<unsigned>(n)) != static_cast<int>(n)) {
      gzclose(gz);
      throw_errno(EIO, fmt::format("cannot write {}", out_path.string()));
    }
  }
  if (gzclose(gz) != Z_OK) throw_errno(EIO, fmt::format("cannot finish {}", out_path.string()));
}

/// Steps 2 and 3: `archive` (".log.gz") gets the content of `source` (".log.compressing").
void finish_compression(const fs::path& source, const fs::path& archive) {
  const fs::path tmp_path = archive.string() + std::string(tmp_suffix);
  UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) throw_errno(errno, fmt::format("cannot open {} for compression", source.string()));
  {
    UniqueFd out(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
    if (!out.valid()) throw_errno(errno, fmt::format("cannot create {}", tmp_path.string()));
    copy_existing(archive, out.get(), tmp_path);
    write_gzip_member(in.get(), out.get(), tmp_path);
    if (::fsync(out.get()) != 0) throw_errno(errno, fmt::format("cannot sync {}", tmp_path.string()));
  }
  if (::unlink(source.c_str()) != 0) throw_errno(errno, fmt::format("cannot remove {}", source.string()));
  if (::rename(tmp_path.c_str(), archive.c_str()) != 0) {
    throw_errno(errno, fmt::format("cannot rename {} to {}", tmp_path.string(), archive.string()));
  }
  common::sync_directory(archive.parent_path());
}

/// Compresses `file` into file + ".gz" when no process has it open; a busy or vanished file is
/// left for a later pass.
void compress_if_idle(const fs::path& file) {
  const UniqueFd lock = open_idle(file);  // held until the file is archived
  if (!lock.valid()) return;
  const fs::path source = file.string() + std::string(compressing_suffix);
  if (::rename(file.c_str(), source.c_str()) != 0) {
    throw_errno(errno, fmt::format("cannot rename {} for compression", file.string()));
  }
  finish_compression(source, file.string() + ".gz");
}

/// The plain log file name behind a leftover of an interrupted compression, or empty.
std::string interrupted_log_name(const FilePattern& pattern, const std::string& name, bool& compressing) {
  std::string log_name;
  compressing = ends_with(name, compressing_suffix);
  if (compressing) {
    log_name = name.substr(0, name.size() - compressing_suffix.size());
  } else if (ends_with(name, ".gz" + std::string(tmp_suffix))) {
    log_name = name.substr(0, name.size() - 3 - tmp_suffix.size());
  }
  bool compressed = false;
  if (log_name.empty() || pattern.date_of(log_name, &compressed).empty() || compressed) return {};
  return log_name;
}

/// Finishes the compressions that a killed process left half done (see the header): the
/// ".compressing" sources first, since finishing one consumes its temporary archive.
void recover_interrupted(const FilePattern& pattern) {
  const fs::path dir = pattern.directory();
  std::vector<std::pair<fs::path, std::string>> sources, archives;  // (leftover, log name)
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    bool compressing = false;
    std::string log_name = interrupted_log_name(pattern, entry.path().filename().string(), compressing);
    if (!log_name.empty()) (compressing ? sources : archives).emplace_back(entry.path(), std::move(log_name));
  }
  for (const auto& [source, log_name] : sources) finish_compression(source, dir / (log_name + ".gz"));
  for (const auto& [tmp, log_name] : archives) {
    // A temporary archive whose source is gone is complete.
    if (!fs::exists(tmp, ec) || fs::exists(dir / (log_name + std::string(compressing_suffix)), ec)) continue;
    const fs::path archive = dir / (log_name + ".gz");
    if (::rename(tmp.c_str(), archive.c_str()) != 0) {
      throw_errno(errno, fmt::format("cannot rename {} to {}", tmp.string(), archive.string()));
    }
  }
}

void delete_expired(const FilePattern& pattern, const std::string& today, int days) {
  if (days <= 0) return;
  const std::string oldest_kept = date_minus_days(today, days);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(pattern.directory(), ec)) {
    bool compressed = false;
    const std::string date = pattern.date_of(entry.path().filename().string(), &compressed);
    if (date.empty() || date >= oldest_kept) continue;
    if (compressed) {
      fs::remove(entry.path(), ec);
    } else if (const UniqueFd lock = open_idle(entry.path()); lock.valid()) {
      ::unlink(entry.path().c_str());
    }
  }
}

void compress_stale(const FilePattern& pattern, const std::string& today) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(pattern.directory(), ec)) {
    bool compressed = false;
    const std::string date = pattern.date_of(entry.path().filename().string(), &compressed);
    if (!date.empty() && !compressed && date < today) stale.push_back(entry.path());
  }
  for (const auto& file : stale) compress_if_idle(file);
}

/// True when a file of `patterns` in `dir` is due: a leftover of an interrupted compression, a
/// file past retention, or a past day's uncompressed file.
bool has_work(const fs::path& dir, const std::vector<const FilePattern*>& patterns, const std::string& today,
              int retention_days) {
  const std::string oldest_kept = retention_days > 0 ? date_minus_days(today, retention_days) : std::string();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    for (const FilePattern* p : patterns) {
      bool compressed = false, compressing = false;
      const std::string date = p->date_of(name, &compressed);
      if (!interrupted_log_name(*p, name, compressing).empty()) return true;
      if (!date.empty() && ((!compressed && date < today) || date < oldest_kept)) return true;
    }
  }
  return false;
}

}  // namespace

std::string date_minus_days(const std::string& date, int days) {
  using namespace std::chrono;
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(date.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return date;
  const year_month_day ymd{sys_days{year{y} / month{m} / day{d}} - std::chrono::days{days}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

void maintain(const std::vector<FilePattern>& patterns, const std::string& today, int retention_days) {
  std::map<fs::path, std::vector<const FilePattern*>> by_directory;
  for (const auto& p : patterns) {
    if (p.dated()) by_directory[p.directory()].push_back(&p);
  }
  for (const auto& [dir, dir_patterns] : by_directory) {
    if (!has_work(dir, dir_patterns, today, retention_days)) continue;  // no lock file where nothing is due
    const UniqueFd lock = lock_directory(dir);
    if (!lock.valid()) continue;  // another process is busy here; a later pass catches up
    for (const FilePattern* p : dir_patterns) {
      recover_interrupted(*p);
      delete_expired(*p, today, retention_days);
      compress_stale(*p, today);
    }
  }
}

Maintenance::Maintenance(std::atomic<std::uint64_t>& error_counter)
    : errors_(error_counter), thread_([this] { run(); }) {}

Maintenance::~Maintenance() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Maintenance::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void Maintenance::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return jobs_.empty() && !busy_; });
}

void Maintenance::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and everything is done
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      std::fprintf(stderr, "leadscout: log maintenance failed: %s\n", e.what());
    }
    lock.lock();
    busy_ = false;
    if (jobs_.empty()) idle_.notify_all();
  }
}

}  // namespace leadscout::log::detail

#include "file_sink.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "log_file_name.hpp"
#include "posix_file.hpp"

namespace leadscout::log::detail {
namespace {
constexpr std::string_view date_placeholder = "{date}";
constexpr std::chrono::seconds recheck_interval{1};
constexpr std::size_t file_buffer_size = 64 * 1024;

/// True when the file is empty or ends with a newline.
bool ends_with_newline(int fd) {
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size <= 0) return true;
  char last = '\n';
  return ::pread(fd, &last, 1, size - 1) != 1 || last == '\n';
}

/// True when the file ends in the middle of a line that stays so. The size of a file another
/// process is appending to can be read in the middle of its write (the size grows page by
/// page); that line ends a moment later, a line torn by a crash never does.
bool torn_last_line(int fd) {
  for (int look = 0; look < 5; ++look) {
    if (ends_with_newline(fd)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}
}  // namespace

void make_directories(const std::filesystem::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return;
  make_directories(dir.parent_path());
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
    throw std::system_error(errno, std::generic_category(), fmt::format("cannot create directory {}", dir.string()));
  }
}

FilePattern::FilePattern(const std::filesystem::path& full, std::string_view instance)
    : directory_(full.parent_path()) {
  if (!instance.empty()) instance_.append(1, '.').append(instance);
  const std::string name = full.filename().string();
  const auto at = name.find(date_placeholder);
  dated_ = at != std::string::npos;
  if (dated_) {
    prefix_ = name.substr(0, at);
    suffix_ = name.substr(at + date_placeholder.size());
  } else {
    // "progress.log" -> "progress" + ".NAME" + ".log"
    const auto dot = name.rfind('.');
    prefix_ = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
    suffix_ = name.substr(prefix_.size());
  }
}

std::filesystem::path FilePattern::path_for(std::string_view date) const {
  return directory_ / (prefix_ + (dated_ ? std::string(date) : std::string()) + instance_ + suffix_);
}

std::string FilePattern::date_of(std::string_view file_name, bool* compressed) const {
  constexpr std::size_t date_len = 10;  // YYYY-MM-DD
  if (!dated_ || file_name.size() < prefix_.size() + date_len + suffix_.size()) return {};
  if (file_name.substr(0, prefix_.size()) != prefix_) return {};
  const std::string_view date = file_name.substr(prefix_.size(), date_len);
  std::string_view rest = file_name.substr(prefix_.size() + date_len);
  const bool gz = rest.size() >= suffix_.size() + 3 && rest.substr(rest.size() - 3) == ".gz";
  if (gz) rest.remove_suffix(3);
  if (rest.size() < suffix_.size() || rest.substr(rest.size() - suffix_.size()) != suffix_) return {};
  rest.remove_suffix(suffix_.size());
  std::string_view instance;
  if (!common::is_iso_date(date) || !common::instance_between(rest, instance)) return {};
  if (compressed != nullptr) *compressed = gz;
  return std::string(date);
}

int open_locked_for_append(const std::filesystem::path& path) {
  for (int attempt = 0;; ++attempt) {
    // Read access too: the caller checks whether the file ends with a whole line.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return -1;
    // A file system without flock (some FUSE mounts) still gets the file, without the guard.
    if (const int err = common::lock_file(fd, LOCK_SH); err != 0) {
      ::close(fd);
      errno = err;
      return -1;
    }
    // The lock waited for a compressor that has since moved the file away: open the new one.
    struct stat by_fd {}, by_path {};
    if (::fstat(fd, &by_fd) == 0 && ::stat(path.c_str(), &by_path) == 0 && by_fd.st_dev == by_path.st_dev &&
        by_fd.st_ino == by_path.st_ino) {
      return fd;
    }
    ::close(fd);
    if (attempt == 8) {
      errno = EAGAIN;
      return -1;
    }
  }
}

RouteFile::RouteFile(FilePattern pattern, std::atomic<std::uint64_t>& error_counter)
    : pattern_(std::move(pattern)), errors_(error_counter) {}

RouteFile::~RouteFile() { close(); }

void RouteFile::close() {
  if (fd_ >= 0) {
    if (!buffer_.empty()) (void)common::write_all(fd_, buffer_);
    ::close(fd_);
    fd_ = -1;
  }
  buffer_.clear();
  date_.clear();
}

void RouteFile::fail(const char* what, int error, time_point now) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  ++failures_;
  if (!failing_) {
    std::fprintf(stderr, "leadscout: cannot %s log file %s: %s (retrying; further failures are counted)\n", what,
                 path_.c_str(), std::strerror(error));
  }
  failing_ = true;
  retry_at_ = now + recheck_interval;
  buffer_.clear();  // the device refused it
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool RouteFile::open(std::string_view date, time_point now) {
  close();
  path_ = pattern_.path_for(date);
  date_ = date;
  try {
    make_directories(path_.parent_path());
  } catch (const std::system_error& e) {
    fail("create the directory of", e.code().value(), now);
    return false;
  }
  const int fd = open_locked_for_append(path_);
  if (fd < 0) {
    fail("open", errno, now);
    return false;
  }
  struct stat st {};
  ::fstat(fd, &st);
  device_ = st.st_dev;
  inode_ = st.st_ino;
  fd_ = fd;
  // A line torn by a crash (or power loss) of an earlier writer gets its newline, so the next
  // line starts clean instead of being glued to it.
  if (torn_last_line(fd_)) buffer_.push_back('\n');
  next_check_ = now + recheck_interval;
  return true;
}

void RouteFile::write(std::string_view line, std::string_view date, time_point now) {
  if (failing_ && now < retry_at_) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    ++failures_;
    return;
  }
  if (fd_ >= 0 && now >= next_check_) {
    // Re-open when the file was deleted or replaced (directory removed, logrotate moved it).
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0 || st.st_dev != device_ || st.st_ino != inode_) close();
    next_check_ = now + recheck_interval;
  }
  if (fd_ < 0 || (pattern_.dated() && date != date_)) {
    if (!open(date, now)) return;
  }
  // Whole lines only: the buffer is written out before a line would split across two writes,
  // so a process killed at any moment never leaves half a line in the file.
  if (!buffer_.empty() && buffer_.size() + line.size() > file_buffer_size) {
    if (const int err = common::write_all(fd_, buffer_); err != 0) {
      fail("write", err, now);
      return;
    }
    buffer_.clear();
  }
  buffer_.append(line);
  last_write_ = now;
}

void RouteFile::flush() {
  if (fd_ < 0 || buffer_.empty()) return;
  if (const int err = common::write_all(fd_, buffer_); err != 0) {
    fail("write", err, last_write_);
    return;
  }
  buffer_.clear();
  if (failing_) {
    // Only a completed flush proves the device takes data again.
    std::fprintf(stderr, "leadscout: log file %s is writable again (%llu writes failed meanwhile)\n", path_.c_str(),
                 static_cast<unsigned long long>(failures_));
    failing_ = false;
    failures_ = 0;
  }
}

}  // namespace leadscout::log::detail

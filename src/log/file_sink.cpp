#include "file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace leadscout::log::detail {
namespace {
constexpr std::string_view date_placeholder = "{date}";
constexpr std::chrono::seconds recheck_interval{1};
constexpr std::size_t file_buffer_size = 64 * 1024;
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

FilePattern::FilePattern(const std::filesystem::path& full) : directory_(full.parent_path()) {
  const std::string name = full.filename().string();
  const auto at = name.find(date_placeholder);
  dated_ = at != std::string::npos;
  prefix_ = dated_ ? name.substr(0, at) : name;
  suffix_ = dated_ ? name.substr(at + date_placeholder.size()) : std::string();
}

std::filesystem::path FilePattern::path_for(std::string_view date) const {
  return directory_ / (dated_ ? prefix_ + std::string(date) + suffix_ : prefix_);
}

std::string FilePattern::date_of(const std::string& file_name, bool* compressed) const {
  constexpr std::size_t date_len = 10;  // YYYY-MM-DD
  if (!dated_ || file_name.size() < prefix_.size() + date_len + suffix_.size()) return {};
  if (file_name.compare(0, prefix_.size(), prefix_) != 0) return {};
  std::string_view rest(file_name);
  rest.remove_prefix(prefix_.size() + date_len);
  bool gz = false;
  if (rest.size() == suffix_.size() + 3 && rest.substr(suffix_.size()) == ".gz") {
    gz = true;
    rest.remove_suffix(3);
  }
  if (rest != suffix_) return {};
  std::string date = file_name.substr(prefix_.size(), date_len);
  for (std::size_t i = 0; i < date_len; ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? date[i] != '-' : (date[i] < '0' || date[i] > '9')) return {};
  }
  if (compressed != nullptr) *compressed = gz;
  return date;
}

RouteFile::RouteFile(FilePattern pattern, std::atomic<std::uint64_t>& error_counter)
    : pattern_(std::move(pattern)), errors_(error_counter) {}

RouteFile::~RouteFile() { close(); }

void RouteFile::close() {
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
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
  if (file_ != nullptr) {
    std::fclose(file_);  // drops what the buffer held: the device refused it
    file_ = nullptr;
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
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    fail("open", errno, now);
    return false;
  }
  struct stat st {};
  ::fstat(fd, &st);
  device_ = st.st_dev;
  inode_ = st.st_ino;
  file_ = ::fdopen(fd, "a");
  if (file_ == nullptr) {
    const int err = errno;
    ::close(fd);
    fail("open", err, now);
    return false;
  }
  std::setvbuf(file_, nullptr, _IOFBF, file_buffer_size);
  next_check_ = now + recheck_interval;
  return true;
}

void RouteFile::write(std::string_view line, std::string_view date, time_point now) {
  if (failing_ && now < retry_at_) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    ++failures_;
    return;
  }
  if (file_ != nullptr && now >= next_check_) {
    // Re-open when the file was deleted or replaced (directory removed, logrotate moved it).
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0 || st.st_dev != device_ || st.st_ino != inode_) {
      std::fflush(file_);
      close();
    }
    next_check_ = now + recheck_interval;
  }
  if (file_ == nullptr || (pattern_.dated() && date != date_)) {
    if (!open(date, now)) return;
  }
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) fail("write", errno, now);
  last_write_ = now;
}

void RouteFile::flush() {
  if (file_ == nullptr) return;
  if (std::fflush(file_) != 0) {
    fail("flush", errno, last_write_);
  } else if (failing_) {
    // Only a completed flush proves the device takes data again.
    std::fprintf(stderr, "leadscout: log file %s is writable again (%llu writes failed meanwhile)\n", path_.c_str(),
                 static_cast<unsigned long long>(failures_));
    failing_ = false;
    failures_ = 0;
  }
}

}  // namespace leadscout::log::detail

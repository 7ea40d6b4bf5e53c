// The checkpoint journal file: replay on open, appends through a shared mapping, group commit.
#include "journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "leadscout/batch/options.hpp"
#include "posix_file.hpp"

namespace leadscout::batch::detail {

namespace {

/// How much file a mapping covers beyond the lines already written: a new mapping (and a
/// fallocate) every 4 MiB, about 50,000 records.
constexpr std::uint64_t kChunk = 4U << 20;

std::uint64_t page_size() noexcept {
  static const auto size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::uint64_t round_up(std::uint64_t n, std::uint64_t to) noexcept { return (n + to - 1) / to * to; }

}  // namespace

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
  if (error_ == 0 && use_pwrite_) error_ = common::pwrite_all(fd_, data, tail_);
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
      } else if ((err = common::pwrite_all(fd, std::string_view(buf.data(), static_cast<std::size_t>(n)), copied)) != 0) {
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
  if (path_.has_parent_path()) common::sync_directory(path_.parent_path());  // the new entry
}

int Journal::sync() noexcept {
  if (fd_ < 0) return 0;
  relink_if_deleted();
  if (!dirty_.exchange(false)) return 0;
  return ::fdatasync(fd_) == 0 ? 0 : errno;
}

std::string Journal::take_notice() { return std::exchange(notice_, std::string()); }

namespace {

/// Reads the lines of an existing journal: checks the header, hands each record on, and
/// reports torn or corrupt lines.
class Replayer {
 public:
  Replayer(const std::filesystem::path& path, const JournalHeader& header,
           const std::function<void(const JournalRecord&)>& on_record)
      : path_(path), header_(header), on_record_(on_record) {}

  /// One line without its newline; false when it is not worth keeping. Throws Error for a
  /// header of another input.
  bool line(std::string_view line, bool last_complete_line) {
    ++line_no_;
    if (!header_seen_) {
      if (std::string why = header_mismatch(line, header_, path_.string()); !why.empty()) throw leadscout::Error(why);
      header_seen_ = true;
      report_.resumed = true;
      return true;
    }
    if (parse_record(line, record_, scratch_)) {
      on_record_(record_);
      ++report_.records;
      return true;
    }
    // A write torn by a crash, followed by the next record: recover the record after it.
    if (!last_complete_line) {
      if (auto pos = line.rfind("{\"id\":"); pos != std::string_view::npos && pos > 0 &&
                                              parse_record(line.substr(pos), record_, scratch_)) {
        drop(line_no_, "torn record followed by a complete one");
        on_record_(record_);
        ++report_.records;
        return true;
      }
    }
    drop(line_no_, "corrupt record");
    return false;
  }
  /// Text after the last newline: a torn last line (or a torn header).
  void torn_tail() { drop(line_no_ + 1, "torn last line (no newline)"); }
  [[nodiscard]] bool header_seen() const noexcept { return header_seen_; }
  [[nodiscard]] JournalOpenReport& report() noexcept { return report_; }

 private:
  void drop(std::size_t no, std::string_view why) {
    if (report_.dropped_lines++ == 0) {
      report_.dropped_detail = "line " + std::to_string(no) + " of " + path_.string() + ": " + std::string(why);
    }
  }

  const std::filesystem::path& path_;
  const JournalHeader& header_;
  const std::function<void(const JournalRecord&)>& on_record_;
  JournalOpenReport report_;
  bool header_seen_ = false;
  std::size_t line_no_ = 0;
  RecordScratch scratch_;
  JournalRecord record_;
};

/// Reads `fd` from its start in chunks, one line at a time; returns the end of the last line
/// worth keeping (0 for a torn header: the journal starts over).
std::uint64_t replay_lines(int fd, const std::filesystem::path& path, Replayer& replayer) {
  // Read straight into the buffer after the unfinished line: each byte is copied once.
  // Not zeroed: only the pages a read fills become resident (none for a new journal).
  constexpr std::size_t kRead = std::size_t{4} << 20;
  std::size_t size = kRead;
  auto buf = std::make_unique_for_overwrite<char[]>(size);
  std::size_t held = 0;        // bytes of an unfinished line at buf[0]
  std::uint64_t offset = 0;    // file offset of buf[0]
  std::uint64_t good_end = 0;  // end of the last line worth keeping
  for (;;) {
    if (size - held < kRead / 2) {  // a line longer than the room left
      auto bigger = std::make_unique_for_overwrite<char[]>(held + kRead);
      std::memcpy(bigger.get(), buf.get(), held);
      buf = std::move(bigger);
      size = held + kRead;
    }
    const ssize_t n = common::read_some(fd, buf.get() + held, size - held);
    if (n < 0) {
      throw leadscout::Error("cannot read journal " + path.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    const std::size_t filled = held + static_cast<std::size_t>(n);
    std::size_t start = 0;
    for (;;) {
      const void* nl = std::memchr(buf.get() + start, '\n', filled - start);
      if (nl == nullptr) break;
      const auto end = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.get());
      if (replayer.line(std::string_view(buf.get() + start, end - start), false)) good_end = offset + end + 1;
      start = end + 1;
    }
    std::memmove(buf.get(), buf.get() + start, filled - start);
    held = filled - start;
    offset += start;
  }
  std::string_view pending(buf.get(), held);
  // A crash leaves the preallocated, never written part of the file: NUL bytes, not a record.
  while (!pending.empty() && pending.back() == '\0') pending.remove_suffix(1);
  if (!pending.empty()) {
    if (!replayer.header_seen()) return 0;  // a torn header: start over
    replayer.torn_tail();
  }
  return good_end;
}

}  // namespace

void Journal::open_locked(const std::filesystem::path& path, const std::string& operation) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw leadscout::Error("cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) throw leadscout::Error("cannot open journal " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw leadscout::Error("journal " + path.string() + " is in use by another process running operation \"" + operation +
                "\"");
  }
  fd_ = fd;
  path_ = path;
}

std::uint64_t Journal::settle(std::uint64_t good_end, const JournalHeader& header) {
  struct stat st {};
  ::fstat(fd_, &st);
  if (good_end < static_cast<std::uint64_t>(st.st_size)) {
    // Cut off whatever follows the last good line (a torn or corrupt tail).
    if (::ftruncate(fd_, static_cast<off_t>(good_end)) != 0) {
      throw leadscout::Error("cannot truncate journal " + path_.string() + ": " + std::strerror(errno));
    }
    ::fsync(fd_);
  }
  if (good_end > 0) return good_end;
  const std::string line = format_header(header);
  int err = common::pwrite_all(fd_, line, 0);
  if (err == 0 && ::fsync(fd_) != 0) err = errno;
  if (err != 0) throw leadscout::Error("cannot write journal " + path_.string() + ": " + std::strerror(err));
  if (path_.has_parent_path()) common::sync_directory(path_.parent_path());  // the new entry
  return line.size();
}

JournalOpenReport Journal::open(const std::filesystem::path& path, const JournalHeader& header, bool fresh,
                                const std::function<void(const JournalRecord&)>& on_record) {
  close();
  open_locked(path, header.operation);
  try {
    if (fresh && ::ftruncate(fd_, 0) != 0) {
      throw leadscout::Error("cannot truncate journal " + path.string() + ": " + std::strerror(errno));
    }
    Replayer replayer(path, header, on_record);
    const std::uint64_t good_end = replay_lines(fd_, path, replayer);
    if (good_end == 0) replayer.report().resumed = false;
    tail_ = settle(good_end, header);
    return std::move(replayer.report());
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
}

}  // namespace leadscout::batch::detail

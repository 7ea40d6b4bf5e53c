// POSIX file descriptors: an owner that closes, and the calls every writer of files repeats
// (whole writes and reads through EINTR, a directory's fsync, flock). spdlog- and fmt-free.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace leadscout::common {

/// Owns a file descriptor and closes it (so releasing any flock on it). Move-only.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  /// Gives the descriptor up without closing it.
  [[nodiscard]] int release() noexcept;
  /// Closes the descriptor held, if any, and holds `fd` instead.
  void reset(int fd = -1) noexcept;

 private:
  int fd_;
};

/// Writes all of `data` to `fd`, again after a short write or EINTR. Returns 0 or the errno
/// of the write that failed. Async-signal-safe: it calls write(2) only.
[[nodiscard]] int write_all(int fd, std::string_view data) noexcept;

/// write_all() with pwrite(2), from `offset` on (the file offset does not move).
[[nodiscard]] int pwrite_all(int fd, std::string_view data, std::uint64_t offset) noexcept;

/// read(2), again after EINTR: the bytes read (0 at the end), or -1 with errno set.
[[nodiscard]] ssize_t read_some(int fd, void* buffer, std::size_t size) noexcept;

/// fsync(2) of a directory, which makes the entries created or renamed in it durable. Best
/// effort: a directory that cannot be opened or synced is left as it is.
void sync_directory(const std::filesystem::path& dir) noexcept;

/// flock(2) with `operation` (LOCK_SH or LOCK_EX, optionally | LOCK_NB), again after EINTR.
/// Returns 0 when locked, or the errno. A file system without flock (ENOLCK, EOPNOTSUPP,
/// ENOSYS: some FUSE and network mounts) counts as locked: there is no one to share it with.
[[nodiscard]] int lock_file(int fd, int operation) noexcept;

}  // namespace leadscout::common

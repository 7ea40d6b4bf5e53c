// One route's file: opened lazily, moved to a new name at each new date, re-opened after
// failures and when the file or its directory is deleted under it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace leadscout::log::detail {

/// Creates dir and its parents with mode 0750; throws std::system_error naming the path.
void make_directories(const std::filesystem::path& dir);

/// A route's file name pattern split around "{date}", with this process's instance name.
struct FilePattern {
  /// `instance` (may be empty) goes right after the date: "ops-{date}.log" gives
  /// "ops-2025-07-05.NAME.log"; an undated "ops.log" gives "ops.NAME.log".
  explicit FilePattern(const std::filesystem::path& full, std::string_view instance = {});
  [[nodiscard]] bool dated() const noexcept { return dated_; }
  [[nodiscard]] std::filesystem::path path_for(std::string_view date) const;
  /// The date of a file of this pattern, of any instance ("name-2025-07-05[.NAME].log[.gz]"),
  /// or empty.
  [[nodiscard]] std::string date_of(std::string_view file_name, bool* compressed = nullptr) const;
  [[nodiscard]] std::filesystem::path directory() const { return directory_; }

 private:
  std::filesystem::path directory_;
  std::string prefix_;    // file name before {date}
  std::string suffix_;    // file name after {date}
  std::string instance_;  // ".NAME", or empty
  bool dated_ = false;
};

/// Opens `path` for appending and takes a shared flock on it, which keeps the maintenance of
/// other processes from compressing or deleting it while it is open. Retries when the file was
/// renamed or deleted between the open and the lock. Returns the descriptor, or -1 with errno.
[[nodiscard]] int open_locked_for_append(const std::filesystem::path& path);

class RouteFile {
 public:
  using time_point = std::chrono::system_clock::time_point;

  RouteFile(FilePattern pattern, std::atomic<std::uint64_t>& error_counter);
  ~RouteFile();
  RouteFile(const RouteFile&) = delete;
  RouteFile& operator=(const RouteFile&) = delete;

  /// Appends line to the file of `date`; failures are reported once, counted, and retried
  /// at most once a second (by event time).
  void write(std::string_view line, std::string_view date, time_point now);
  void flush();
  /// Closes the file (e.g. before it is compressed).
  void close();
  [[nodiscard]] const FilePattern& pattern() const noexcept { return pattern_; }

 private:
  bool open(std::string_view date, time_point now);
  void fail(const char* what, int error, time_point now);

  FilePattern pattern_;
  std::atomic<std::uint64_t>& errors_;
  int fd_ = -1;
  std::string buffer_;  // whole lines not yet written
  std::string date_;                // date of the open file
  std::filesystem::path path_;      // path of the open file
  dev_t device_ = 0;
  ino_t inode_ = 0;
  time_point next_check_{};         // next check that the open file still exists
  time_point retry_at_{};           // after a failure, no new attempt before this
  time_point last_write_{};
  bool failing_ = false;
  std::uint64_t failures_ = 0;      // since the last success
};

}  // namespace leadscout::log::detail

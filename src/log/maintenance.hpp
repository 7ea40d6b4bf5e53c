// Work that must stay off the logging thread: gzip of yesterday's files and retention.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "file_sink.hpp"

namespace leadscout::log::detail {

/// Compresses file into file + ".gz" (appending a gzip member if that exists already, which
/// zcat reads as one stream), then removes file. Written to a temporary name and renamed, so a
/// crash never leaves a half archive. Throws std::system_error naming the path.
void gzip_file(const std::filesystem::path& file);

/// The date `days` before `date` (both "YYYY-MM-DD").
[[nodiscard]] std::string date_minus_days(const std::string& date, int days);

/// Deletes this pattern's dated files (.log and .log.gz) older than `days` before `today`.
void delete_expired(const FilePattern& pattern, const std::string& today, int days);

/// Compresses this pattern's dated files from before `today` that are not compressed yet
/// (left by an earlier run or a crash).
void compress_stale(const FilePattern& pattern, const std::string& today);

/// A single background thread running maintenance jobs in order.
class Maintenance {
 public:
  explicit Maintenance(std::atomic<std::uint64_t>& error_counter);
  /// Finishes every queued job, then stops.
  ~Maintenance();
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

  /// Queues a job; a job that throws is reported on stderr and counted.
  void post(std::function<void()> job);
  /// Returns when no job is queued or running.
  void wait_idle();

 private:
  void run();

  std::atomic<std::uint64_t>& errors_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace leadscout::log::detail

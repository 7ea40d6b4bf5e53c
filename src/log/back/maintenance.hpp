// Work that must stay off the logging thread: gzip of past days' files and retention, safe
// when several processes share one log tree.
//
// Writers hold a shared flock on each file they have open (open_locked_for_append). A pass
// over a directory holds that directory's maintenance lock, so one process at a time maintains
// it, and touches a log file only after taking an exclusive flock on it without waiting: a file
// some process still writes is skipped and compressed by a later pass (at the next rotation,
// start or shutdown of any process of the tree).
//
// Compressing "x.log" is crash-safe in three steps:
//   1. rename x.log to x.log.compressing (writers now open a new x.log);
//   2. write x.log.gz.tmp: the old x.log.gz, if any, and a new gzip member; fsync;
//   3. delete x.log.compressing (the commit), then rename x.log.gz.tmp to x.log.gz.
// A pass first finishes what a killed process left: a ".compressing" file is compressed
// again from step 2, and a ".gz.tmp" without one is complete and only needs its rename.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "file_sink.hpp"

namespace leadscout::log::detail {

/// The date `days` before `date` (both "YYYY-MM-DD").
[[nodiscard]] std::string date_minus_days(const std::string& date, int days);

/// One pass over the dated files of `patterns`: finishes interrupted compressions, deletes the
/// files of every instance older than `retention_days` before `today` (0 keeps all), and
/// compresses those from before `today`, each only when no process has it open. Throws
/// std::system_error naming the path when a file cannot be compressed.
void maintain(const std::vector<FilePattern>& patterns, const std::string& today, int retention_days);

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

// Alerts: critical (optionally error) events copied to the alert file and handed to an
// operator's command, deduplicated per event and rate-limited, off the logging thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "leadscout/log/config.hpp"

namespace leadscout::log::detail {

/// Decides which alerts are sent: the same logger+event within the window is counted instead
/// of re-sent, and at most max_per_window alerts of any kind go out per window.
class AlertGate {
 public:
  using time_point = std::chrono::system_clock::time_point;
  explicit AlertGate(const AlertConfig& cfg) : window_(cfg.window), max_per_window_(cfg.max_per_window) {}

  /// Returns true when this alert goes out; `suppressed` is then how many alerts of the same
  /// event were held back since the last one that went out.
  bool admit(std::string_view logger, std::string_view event, time_point now, std::uint64_t& suppressed);

 private:
  struct Entry {
    time_point last_sent{};
    std::uint64_t suppressed = 0;
  };
  std::chrono::seconds window_;
  std::size_t max_per_window_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<time_point> recent_;  // send times inside the current window
};

/// Runs the alert command through /bin/sh with the alert's JSON on stdin, one at a time on its
/// own thread; a command that outlives the timeout is killed with its process group.
class AlertCommandRunner {
 public:
  AlertCommandRunner(std::string command, std::chrono::milliseconds timeout, std::atomic<std::uint64_t>& errors);
  /// Runs what is queued (each bounded by the timeout), then stops.
  ~AlertCommandRunner();
  AlertCommandRunner(const AlertCommandRunner&) = delete;
  AlertCommandRunner& operator=(const AlertCommandRunner&) = delete;

  /// Never blocks: beyond a bounded backlog, alerts are counted and skipped.
  void post(std::string json_line);

 private:
  void run();
  void run_one(const std::string& json_line);
  void report(const std::string& message);

  std::string command_;
  std::chrono::milliseconds timeout_;
  std::atomic<std::uint64_t>& errors_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> pending_;
  std::uint64_t skipped_ = 0;
  bool stopping_ = false;
  bool reported_failure_ = false;
  std::thread thread_;
};

}  // namespace leadscout::log::detail

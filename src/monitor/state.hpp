// What the endpoints serve: the progress directory read into snapshots, stall tracking, and
// the merged Prometheus text. Internal to leadscout::monitor.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "leadscout/batch/progress.hpp"
#include "leadscout/monitor/server.hpp"

namespace leadscout::monitor::detail {

/// The verdict of /healthz.
struct Health {
  bool ok = true;
  std::string operation;         ///< the stalled one (file stem, shard included)
  double stalled_seconds = 0.0;  ///< since its processed count last changed
};

/// Reads the progress directory and remembers when each operation last made progress.
/// Thread-safe.
class ProgressState {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  ProgressState(std::filesystem::path dir, Scope scope, std::chrono::milliseconds stall_after, Clock clock);

  /// Reads every progress file of the directory (in scope) and updates the stall tracking.
  void refresh();

  /// The snapshots of the last refresh(), sorted by file name.
  [[nodiscard]] std::vector<batch::ProgressSnapshot> snapshots() const;

  /// Whether every starting or running operation made progress within stall_after.
  [[nodiscard]] Health health() const;

  /// The .prom files of the operations of the last refresh(), merged family by family.
  [[nodiscard]] std::string prometheus() const;

  [[nodiscard]] std::chrono::milliseconds stall_after() const noexcept { return stall_after_; }

 private:
  struct Entry {
    batch::ProgressSnapshot snapshot;
    std::filesystem::path prom_file;
    std::uint64_t processed = 0;
    std::chrono::steady_clock::time_point changed_at;
  };
  std::filesystem::path dir_;
  Scope scope_;
  std::chrono::milliseconds stall_after_;
  Clock clock_;
  mutable std::mutex m_;
  std::map<std::string, Entry> entries_;  // by file stem
};

/// Merges Prometheus text expositions: one HELP and TYPE line and one group per metric family.
[[nodiscard]] std::string merge_prometheus(const std::vector<std::string>& texts);

/// The logging counters and leadscout_build_info in the Prometheus text format.
[[nodiscard]] std::string logging_metrics();

/// Parsed "host:port" ("[v6]:port"); throws leadscout::Error with `what` in the message when
/// invalid.
struct Address {
  std::string host;  ///< without brackets
  int port = 0;
};
[[nodiscard]] Address parse_address(std::string_view text, std::string_view what);

/// True for localhost, 127.0.0.0/8 and ::1.
[[nodiscard]] bool is_loopback(std::string_view host);

/// Compares in time that depends only on expected's length.
[[nodiscard]] bool constant_time_equal(std::string_view given, std::string_view expected) noexcept;

}  // namespace leadscout::monitor::detail

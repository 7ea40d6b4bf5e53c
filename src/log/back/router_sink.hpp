// The backend sink: decodes each event once, renders it once per format and writes it to
// every route whose logger globs and level range match; rotates dated files at midnight.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alerts.hpp"
#include "front/encoding.hpp"
#include "file_sink.hpp"
#include "leadscout/log/config.hpp"
#include "maintenance.hpp"
#include "queue/event_record.hpp"
#include "render.hpp"
#include "spdlog/spdlog_routes.hpp"

namespace leadscout::log::detail {

/// The category id that marks a flush barrier; its event text is the ticket number.
inline constexpr std::uint32_t barrier_category = 0xFFFFFFFFu;

class RouterSink {
 public:
  RouterSink(const Config& cfg, std::chrono::system_clock::time_point now);
  ~RouterSink();
  RouterSink(const RouterSink&) = delete;
  RouterSink& operator=(const RouterSink&) = delete;

  /// Routes one event under the lock; lines for routes with a spdlog sink are handed to those
  /// sinks after the lock is released.
  void log(const EventRecord& record);
  /// Writes out the file buffers, then flushes the routes' spdlog sinks.
  void flush();

  /// Waits until the barrier with this ticket (or a later one) has been processed.
  void wait_for_barrier(std::uint64_t ticket);
  [[nodiscard]] std::uint64_t barriers_done() const noexcept { return barriers_done_.load(); }

  /// Runs compression and retention for the files of every dated route (at start-up and at
  /// each new day), off the logging thread.
  void schedule_maintenance(const std::string& today);
  void wait_for_maintenance() { maintenance_.wait_idle(); }
  /// Writes out and closes every file (releasing its lock), then schedules maintenance for
  /// the date of `now`, so a past day's file this process was the last to write is compressed.
  void close_files(std::chrono::system_clock::time_point now);
  [[nodiscard]] const std::string& current_date() const noexcept { return current_date_; }

  /// The most recent warning-or-worse events as JSON lines, newest first.
  [[nodiscard]] std::vector<std::string> recent_events(Level min_level, std::size_t limit) const;

  std::array<std::atomic<std::uint64_t>, 6> events_by_level{};
  std::atomic<std::uint64_t> sink_errors{0};

 private:
  struct RouteState {
    Route route;
    std::unique_ptr<RouteFile> file;  // a file route
    std::unique_ptr<UserSink> user;   // a route to a spdlog sink
  };
  /// Writes the event to its routes' files; returns a flush barrier's ticket, or 0.
  std::uint64_t route(const EventRecord& record, SinkHandoff& handoff);
  void complete_barrier(std::uint64_t ticket);
  void flush_user_sinks() noexcept;
  const std::vector<std::uint16_t>& routes_for(std::uint32_t category, std::string_view logger);
  const std::string& date_for(std::chrono::system_clock::time_point t);
  void rotate_to(const std::string& date);
  void write_console(const EventView& ev);
  void raise_alert(const EventView& ev, bool& rendered);
  void flush_files();

  int retention_days_;
  Level console_level_;
  ConsoleMode console_mode_;
  std::vector<std::string> console_loggers_;  // globs, as a route's
  bool color_;
  Renderer renderer_;
  Maintenance maintenance_;
  std::mutex mutex_;  // everything below but the recent events and the barrier state
  std::vector<RouteState> routes_;
  std::vector<UserSink*> user_sinks_;  // of routes_, for flushes
  Level alert_level_;
  AlertGate alert_gate_;
  std::unique_ptr<RouteFile> alert_file_;                 // when AlertConfig::file is set
  std::unique_ptr<AlertCommandRunner> alert_command_;     // when AlertConfig::command is set
  std::string alert_line_;

  struct RecentEvent {
    std::uint64_t seq;
    Level level;
    std::string json;  // without the newline
  };
  mutable std::mutex recent_mutex_;
  // Warnings and errors are kept apart, so a flood of warnings never pushes errors out.
  std::deque<RecentEvent> recent_warnings_, recent_errors_;
  std::uint64_t recent_seq_ = 0;
  std::vector<std::vector<std::uint16_t>> category_routes_;  // by category id
  std::vector<bool> category_known_;
  std::vector<bool> category_console_;  // by category id: the console shows its events
  DecodedEvent decoded_;
  std::string json_line_;
  std::string console_line_;
  std::string current_date_;
  std::chrono::system_clock::time_point day_begin_{}, day_end_{};
  std::string day_cache_;

  std::atomic<std::uint64_t> barriers_done_{0};
  std::mutex barrier_mutex_;
  std::condition_variable barrier_cv_;
};

}  // namespace leadscout::log::detail

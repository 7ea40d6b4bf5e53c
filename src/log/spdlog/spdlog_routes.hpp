// Routes whose target is a spdlog sink: the lines the router renders, handed to the sinks
// outside its lock, with the sinks' failures contained. spdlog's own types stay in the source.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leadscout/log/detail/spdlog_fwd.hpp"
#include "leadscout/log/level.hpp"
#include "queue/event_record.hpp"

namespace leadscout::log::detail {

/// Set while this thread is inside a route's spdlog sink. Events logged meanwhile on this
/// thread are not handed to spdlog sinks again, and captured spdlog loggers keep to their own
/// sinks, so a sink that logs cannot feed itself.
inline thread_local bool t_in_user_sink = false;

/// A route's spdlog sink, isolated: its exceptions are counted and reported once (as a failing
/// log file is), never thrown into the backend or the caller.
class UserSink {
 public:
  UserSink(std::shared_ptr<spdlog::sinks::sink> sink, std::atomic<std::uint64_t>& error_counter)
      : sink_(std::move(sink)), errors_(error_counter) {}
  /// Hands the sink one line as the payload of a spdlog message of the event's time, level and logger.
  void log(std::chrono::system_clock::time_point time, Level level, std::string_view logger,
           std::string_view line) noexcept;
  void flush() noexcept;

 private:
  void failed(const char* what) noexcept;
  void succeeded() noexcept;

  std::shared_ptr<spdlog::sinks::sink> sink_;
  std::atomic<std::uint64_t>& errors_;
  std::atomic<bool> failing_{false};  // sinks may be called from several threads in sync mode
};

/// What one RouterSink::log() call owes spdlog sinks: the lines rendered under the router's
/// lock, delivered once the lock is released, so a sink that blocks or logs cannot stall or
/// deadlock the router. One per thread; reused, so its strings keep their capacity.
class SinkHandoff {
 public:
  /// Keeps a copy of `line` (without its newline) for `sink`; `flush` flushes the sink after it.
  void add(UserSink& sink, const EventRecord& record, std::string_view line, bool flush);
  /// Every spdlog sink of `all` is flushed after the lines (a flush barrier).
  void flush_all(const std::vector<UserSink*>& all) { flush_all_ = &all; }
  /// Calls the sinks and forgets the lines. Never call it with a leadscout lock held.
  void deliver() noexcept;
  [[nodiscard]] bool empty() const noexcept { return count_ == 0 && flush_all_ == nullptr; }

 private:
  struct Line {
    UserSink* sink = nullptr;
    std::chrono::system_clock::time_point time;
    Level level = Level::info;
    std::string logger;
    std::string text;
    bool flush = false;
  };
  std::vector<Line> lines_;
  std::size_t count_ = 0;
  const std::vector<UserSink*>* flush_all_ = nullptr;
};

}  // namespace leadscout::log::detail

// The spdlog side of the backend: routes whose target is a spdlog sink, and what the capture
// of spdlog loggers needs from the logging lifecycle.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/common.h>
#include <spdlog/details/log_msg.h>

#include "leadscout/log/config.hpp"

namespace leadscout::log::detail {

/// True between init() and shutdown().
[[nodiscard]] bool running() noexcept;
/// How many times shutdown() has run; a capture made before the latest one is over.
[[nodiscard]] std::uint64_t shutdowns() noexcept;

/// Throws ConfigError for a route with a sink that cannot work: one that also names a file,
/// or leadscout's own spdlog_sink(), whose lines would come back as events forever.
void check_sink_route(const Route& route);

/// Set while this thread is inside a route's spdlog sink. Events logged meanwhile on this
/// thread are not handed to spdlog sinks again, and captured spdlog loggers keep to their own
/// sinks, so a sink that logs cannot feed itself.
inline thread_local bool t_in_user_sink = false;

/// A route's spdlog sink, isolated: its exceptions are counted and reported once (as a failing
/// log file is), never thrown into the backend or the caller.
class UserSink {
 public:
  UserSink(spdlog::sink_ptr sink, std::atomic<std::uint64_t>& error_counter)
      : sink_(std::move(sink)), errors_(error_counter) {}
  void log(const spdlog::details::log_msg& msg) noexcept;
  void flush() noexcept;

 private:
  void failed(const char* what) noexcept;
  void succeeded() noexcept;

  spdlog::sink_ptr sink_;
  std::atomic<std::uint64_t>& errors_;
  std::atomic<bool> failing_{false};  // sinks may be called from several threads in sync mode
};

/// What one RouterSink::log() call owes spdlog sinks: the lines rendered under the router's
/// lock, delivered once the lock is released, so a sink that blocks or logs cannot stall or
/// deadlock the router. One per thread; reused, so its strings keep their capacity.
class SinkHandoff {
 public:
  /// Keeps a copy of `line` (without its newline) for `sink`; `flush` flushes the sink after it.
  void add(UserSink& sink, const spdlog::details::log_msg& msg, std::string_view line, bool flush);
  /// Every spdlog sink of `all` is flushed after the lines (a flush barrier).
  void flush_all(const std::vector<UserSink*>& all) { flush_all_ = &all; }
  /// Calls the sinks and forgets the lines. Never call it with a leadscout lock held.
  void deliver() noexcept;
  [[nodiscard]] bool empty() const noexcept { return count_ == 0 && flush_all_ == nullptr; }

 private:
  struct Line {
    UserSink* sink = nullptr;
    std::chrono::system_clock::time_point time;
    spdlog::level::level_enum level = spdlog::level::info;
    std::string logger;
    std::string text;
    bool flush = false;
  };
  std::vector<Line> lines_;
  std::size_t count_ = 0;
  const std::vector<UserSink*>* flush_all_ = nullptr;
};

}  // namespace leadscout::log::detail

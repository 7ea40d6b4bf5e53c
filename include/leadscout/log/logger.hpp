// Loggers: named categories that emit structured events. Code that only logs includes this;
// starting logging with a configuration is init() in init.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leadscout/log/detail/category.hpp"
#include "leadscout/log/export.hpp"
#include "leadscout/log/level.hpp"
#include "leadscout/log/value.hpp"

namespace leadscout::log {

/// Where a log call is written; the LEADSCOUT_* macros fill it in. Config::source_location decides
/// which events carry it, as "source": {"file": ..., "line": ..., "function": ...}.
struct SourceLocation {
  const char* file = "";      ///< the file, as the compiler spells __FILE__
  std::uint32_t line = 0;     ///< the line
  const char* function = "";  ///< the enclosing function's name (__func__)
};

namespace detail {
LEADSCOUT_LOG_EXPORT void emit(const Category& category, const std::string* bound, Level level,
                               std::string_view event, Fields fields, const std::exception* error,
                               const SourceLocation* where = nullptr);
}  // namespace detail

class Logger;
/// The logger of that name ("classification", "api.openai", ...). Before init() and after
/// shutdown(), warnings and above go to stderr so nothing important is lost.
[[nodiscard]] LEADSCOUT_LOG_EXPORT Logger get(std::string_view name);

/// A handle to a named logger plus the fields bound to it. Cheap to copy; thread-safe.
class LEADSCOUT_LOG_EXPORT Logger {
 public:
  /// The logger's name, e.g. "classification".
  [[nodiscard]] const std::string& name() const noexcept;

  /// True when an event of this level would be written somewhere. A relaxed atomic load.
  [[nodiscard]] bool enabled(Level level) const noexcept {
    return level >= detail::category_threshold(*category_) && level != Level::off;
  }

  ///@{
  /// Logs `event` with `fields` at a level (the function's name, or `level`) when enabled():
  /// the call encodes the fields and returns; JSON is rendered on the backend.
  void log(Level level, std::string_view event, Fields fields = {}) const {
    if (enabled(level)) detail::emit(*category_, bound_.get(), level, event, fields, nullptr);
  }
  void trace(std::string_view event, Fields fields = {}) const { log(Level::trace, event, fields); }
  void debug(std::string_view event, Fields fields = {}) const { log(Level::debug, event, fields); }
  void info(std::string_view event, Fields fields = {}) const { log(Level::info, event, fields); }
  void warning(std::string_view event, Fields fields = {}) const { log(Level::warning, event, fields); }
  void error(std::string_view event, Fields fields = {}) const { log(Level::error, event, fields); }
  void critical(std::string_view event, Fields fields = {}) const { log(Level::critical, event, fields); }
  ///@}

  ///@{
  /// The same with "exception": "<type>: <what>" and its nested chain (std::rethrow_if_nested).
  void log(Level level, std::string_view event, const std::exception& e, Fields fields = {}) const {
    if (enabled(level)) detail::emit(*category_, bound_.get(), level, event, fields, &e);
  }
  void warning(std::string_view event, const std::exception& e, Fields fields = {}) const {
    log(Level::warning, event, e, fields);
  }
  void error(std::string_view event, const std::exception& e, Fields fields = {}) const {
    log(Level::error, event, e, fields);
  }
  void critical(std::string_view event, const std::exception& e, Fields fields = {}) const {
    log(Level::critical, event, e, fields);
  }
  ///@}

  ///@{
  /// The same, written at `where` (what the LEADSCOUT_* macros call).
  void log(const SourceLocation& where, Level level, std::string_view event, Fields fields = {}) const {
    if (enabled(level)) detail::emit(*category_, bound_.get(), level, event, fields, nullptr, &where);
  }
  void log(const SourceLocation& where, Level level, std::string_view event, const std::exception& e,
           Fields fields = {}) const {
    if (enabled(level)) detail::emit(*category_, bound_.get(), level, event, fields, &e, &where);
  }
  ///@}

  /// A new logger whose events all carry `fields` too (later fields win on equal keys).
  [[nodiscard]] Logger bind(Fields fields) const;

 private:
  friend Logger get(std::string_view name);
  Logger(const detail::Category* category, std::shared_ptr<const std::string> bound) noexcept
      : category_(category), bound_(std::move(bound)) {}

  const detail::Category* category_;
  std::shared_ptr<const std::string> bound_;  // encoded bound fields, shared by copies
};

/// A copy of a thread's context fields, to carry them to another thread: capture() on one
/// thread, then `ScopedContext scope(captured);` on the other. An immutable value, safe to copy
/// and to share between threads.
class LEADSCOUT_LOG_EXPORT Context {
 public:
  /// No fields.
  Context() = default;
  /// The fields of every ScopedContext alive on the calling thread, outermost first.
  [[nodiscard]] static Context capture();
  /// True when it holds no fields.
  [[nodiscard]] bool empty() const noexcept { return encoded_.empty(); }

 private:
  friend class ScopedContext;
  std::string encoded_;
};

/// While it lives, adds its fields to every event logged on this thread (innermost last, so
/// an inner scope's key wins). Its destructor removes exactly its own fields, even when scopes
/// end in another order than they began (a std::optional or std::unique_ptr that outlives an
/// inner scope). Use it on the thread that built it.
class LEADSCOUT_LOG_EXPORT ScopedContext {
 public:
  /// Adds `fields` (encoded at once) to this thread's context until destruction.
  explicit ScopedContext(Fields fields);
  /// Adds the fields of a context captured on any thread.
  explicit ScopedContext(const Context& captured);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  std::uint64_t id_;
};

/// Counters of the logging system since init().
struct Stats {
  std::array<std::uint64_t, 6> events_by_level{};  ///< written events, indexed by Level
  std::uint64_t dropped = 0;                         ///< lost to a full queue in drop mode
  std::uint64_t sink_errors = 0;                     ///< failed writes or opens of log files
};

/// Returns once every event logged before the call is written to its files.
LEADSCOUT_LOG_EXPORT void flush();

/// Readies the calling thread's queue ahead of a hot path: gives the thread its queue at its
/// full size (LEADSCOUT_LOG_QUEUE), its memory touched, so that its next events take no page
/// fault and never wait for the queue to grow. Without it, a thread's queue starts small and
/// grows as it fills. Does nothing before init() or in sync mode; after a new init(), call it again.
LEADSCOUT_LOG_EXPORT void preallocate();

/// Flushes, finishes pending compression and closes every file. Also run at exit.
LEADSCOUT_LOG_EXPORT void shutdown();

/// Current counters; zero before init().
[[nodiscard]] LEADSCOUT_LOG_EXPORT Stats stats();

/// The most recent events at min_level or above, as JSON lines without the newline, newest
/// first: the last 256 warnings and, apart from them, the last 256 errors and criticals.
/// Empty before init().
[[nodiscard]] LEADSCOUT_LOG_EXPORT std::vector<std::string> recent_events(Level min_level = Level::warning,
                                                                        std::size_t limit = 100);

}  // namespace leadscout::log

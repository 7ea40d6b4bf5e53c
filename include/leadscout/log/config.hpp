// Configuration of leadscout::log: routes, levels, console, async queue, rotation.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "leadscout/error.hpp"
#include "leadscout/log/detail/spdlog_fwd.hpp"
#include "leadscout/log/export.hpp"
#include "leadscout/log/level.hpp"

namespace leadscout::log {

/// The name older code catches; a bad configuration value is a leadscout::Error.
using ConfigError = leadscout::Error;

/// How a file route writes events.
enum class Format { json, console };
/// Console output: `automatic` writes to stderr unless stderr is a terminal the process
/// does not own (a background job), `on` always, `off` never.
enum class ConsoleMode { automatic, on, off };
/// What a full async queue does: `block` the caller (nothing is lost) or `drop` the new event
/// (counted in Stats::dropped and reported at shutdown).
enum class Overflow { block, drop };
/// Which calendar the file dates and timestamps use.
enum class TimeZone { utc, local };
/// Which events logged through the LEADSCOUT_* macros carry their "source" location: `off`
/// none, `debug` trace and debug events only, `all` every event.
enum class SourceMode { off, debug, all };

/// One destination, a file or a spdlog sink, and the events it receives.
struct Route {
  /// Path relative to Config::dir (or absolute); "{date}" becomes the event's YYYY-MM-DD,
  /// which makes the file rotate daily. Empty when the route has a `sink`.
  std::string file;
  /// Logger globs ('*' and '?'); a logger matches "name" also as "name.child".
  /// A glob starting with '!' excludes. Empty means every logger.
  std::vector<std::string> loggers;
  Level min_level = Level::debug;     ///< the lowest level the route takes
  Level max_level = Level::critical;  ///< the highest level the route takes
  Format format = Format::json;       ///< JSON lines, or the console's human format
  /// Instead of a file (then empty), any spdlog sink: spdlog's syslog sink, a user's own. It
  /// receives each line rendered in `format`, without the newline, as the payload of a spdlog
  /// message that carries the event's logger, level and time. It is called with no leadscout
  /// lock held, on the backend thread (in sync mode on the logging threads, so it must be
  /// thread-safe); its exceptions are counted in Stats::sink_errors, never thrown.
  std::shared_ptr<spdlog::sinks::sink> sink{};
};

/// Alerting: events at `level` and above also go to `file` and, when set, to `command`.
struct AlertConfig {
  /// critical by default; error to alert on errors too (LEADSCOUT_ALERT_LEVEL).
  Level level = Level::critical;
  /// Dated alert file relative to Config::dir; empty for none.
  std::string file = "production/alerts-{date}.log";
  /// Run through /bin/sh with the alert's JSON line on stdin (LEADSCOUT_ALERT_COMMAND).
  std::string command;
  /// The same logger+event within this window is counted, not re-sent (LEADSCOUT_ALERT_WINDOW).
  std::chrono::seconds window{300};
  /// At most this many alerts of any kind per window.
  std::size_t max_per_window = 20;
  /// A command still running after this is killed (LEADSCOUT_ALERT_TIMEOUT).
  std::chrono::milliseconds command_timeout{10000};
};

/// Returns the current time; injected by tests to drive rotation without waiting.
using Clock = std::function<std::chrono::system_clock::time_point()>;

/// Everything init() needs: the tree, the levels, the console, the queue, rotation and the
/// routes. The defaults give the standard tree under ./logs; from_env() reads LEADSCOUT_LOG_*.
struct LEADSCOUT_LOG_EXPORT Config {
  /// Root of the log tree (LEADSCOUT_LOG_DIR).
  std::filesystem::path dir = "logs";
  /// Threshold of every logger (LEADSCOUT_LOG_LEVEL), debug by default so the debug tree
  /// captures every classification attempt.
  Level level = Level::debug;
  /// Per-logger thresholds, "name=level"; "name" also covers "name.*". Longest match wins.
  std::vector<std::pair<std::string, Level>> logger_levels;
  /// Console output on stderr (LEADSCOUT_LOG_CONSOLE) and its threshold.
  ConsoleMode console = ConsoleMode::automatic;
  Level console_level = Level::info;  ///< LEADSCOUT_LOG_CONSOLE_LEVEL
  /// Async by default: the caller only encodes the fields; JSON is rendered on the backend.
  bool async = true;
  /// Size of each logging thread's queue in events of 128 bytes, rounded up to a power of two
  /// (LEADSCOUT_LOG_QUEUE).
  std::size_t queue_size = 8192;
  Overflow overflow = Overflow::block;  ///< what a full queue does (LEADSCOUT_LOG_OVERFLOW)
  /// Dated files older than this many days are deleted (0 keeps everything).
  int retention_days = 30;
  TimeZone time_zone = TimeZone::utc;  ///< of file dates and timestamps (LEADSCOUT_LOG_TZ)
  /// Where events go. Defaults to the standard tree (see default_routes()).
  std::vector<Route> routes = default_routes();
  /// Extra key names whose values are written as "***" (besides api_key, password, ...).
  std::vector<std::string> redact_keys;
  /// Alert file and command, deduplicated and rate-limited.
  AlertConfig alerts;
  /// Which macro-logged events carry "source": {"file", "line", "function"}
  /// (LEADSCOUT_LOG_SOURCE).
  SourceMode source_location = SourceMode::debug;
  /// Upper bound of one line in bytes; the longest values are cut to fit.
  std::size_t max_line = 32 * 1024;
  /// Time source; empty means std::chrono::system_clock::now.
  Clock clock;
  /// Names this process's files when several processes or machines share one tree:
  /// "operations-{date}.log" becomes "operations-2026-11-29.NAME.log" (an undated
  /// "progress.log" becomes "progress.NAME.log"). Letters, digits, '-' and '_'; empty for
  /// none. From LEADSCOUT_LOG_INSTANCE, else "shard-I-of-N" under a shard spec
  /// (LEADSCOUT_SHARD, or JOB_COMPLETION_INDEX with LEADSCOUT_SHARD_COUNT) of two or more shards.
  std::string instance;
  /// Logger globs the console takes, as in Route::loggers ('!' excludes, "name" covers
  /// "name.child", empty means every logger). The default, default_console_loggers(), keeps
  /// the `progress` logger off the console: a batch run draws its progress bar there instead.
  std::vector<std::string> console_loggers = default_console_loggers();

  /// Builds a Config from the LEADSCOUT_LOG_* environment variables; throws leadscout::Error
  /// naming the variable, its value and the accepted values on a bad one.
  [[nodiscard]] static Config from_env();

  /// The same, starting from `base` instead of a default Config: a program passes its own
  /// tree (routes, console loggers, any field) as data and the variables set override it.
  /// LEADSCOUT_LOG_FORMAT sets the format of base's JSON file routes; routes with the
  /// console format (the progress lines) and sink routes keep theirs.
  [[nodiscard]] static Config from_env(Config base);

  /// The standard log tree, one table of rows in config.cpp: debug/{classification,api-calls,
  /// performance}, production/{operations,errors,metrics} (dated) in `file_format`, and
  /// progress/current-operation.log in the console format.
  [[nodiscard]] static std::vector<Route> default_routes(Format file_format = Format::json);

  /// The console's loggers in the standard tree: every logger but `progress`, whose lines go
  /// to progress/current-operation.log only.
  [[nodiscard]] static std::vector<std::string> default_console_loggers();

  /// Reads routes from a JSON file ({"routes": [...], "replace_default_routes": bool}) and
  /// adds them, or replaces the current ones; throws leadscout::Error naming file, line and
  /// key.
  void load_routes_file(const std::filesystem::path& file);

  /// The same for JSON text already in memory; `source` names it in error messages.
  void load_routes(std::string_view json_text, const std::string& source);
};

/// The root of the log tree in force: Config::dir of the last init(), or "logs" (Config's
/// default) before init() and after shutdown(). A batch run's default progress directory
/// follows it.
[[nodiscard]] LEADSCOUT_LOG_EXPORT std::filesystem::path log_dir();

/// Parses the LEADSCOUT_LOG_LEVEL syntax ("info" or "info,classification=debug,api=warning")
/// into cfg; `what` names the source in error messages.
LEADSCOUT_LOG_EXPORT void parse_level_spec(std::string_view spec, Config& cfg,
                                           std::string_view what = "LEADSCOUT_LOG_LEVEL");

}  // namespace leadscout::log

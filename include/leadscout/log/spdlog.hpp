// spdlog interop: a program's spdlog calls become events of the log tree.
//
//   ll::init(ll::Config::from_env());
//   ll::capture_spdlog();                       // spdlog::info(...) now lands in the tree
//   auto db = std::make_shared<spdlog::logger>("db", ll::spdlog_sink());
//
// A route may also write to any spdlog sink: see Route::sink. The program must use the spdlog
// leadscout was built with (1.10), and link it (spdlog::spdlog) to call it.
#pragma once

#include <memory>

#include "leadscout/log/detail/spdlog_fwd.hpp"
#include "leadscout/log/export.hpp"

namespace leadscout::log {

/// Routes spdlog's default logger and every spdlog logger registered now into the log tree:
/// each message becomes an event with `logger` = the spdlog logger's name ("spdlog" for the
/// unnamed default), `event` = the formatted message and the level mapped (warn → warning,
/// err → error), routed, filtered, redacted and capped like any other. The loggers' own sinks
/// stop receiving messages; spdlog's level of each logger still filters first.
///
/// Call it after init(), before other threads log through spdlog: like any change of a spdlog
/// logger's sinks, it is not safe while they do. Calling it again is harmless. shutdown() ends
/// the capture: the loggers go back to their own sinks (a later init() needs a new call).
/// Throws leadscout::Error before init().
LEADSCOUT_LOG_EXPORT void capture_spdlog();

/// A spdlog sink whose messages become events of the log tree, as captured ones do; for
/// spdlog loggers built later. Before init() and after shutdown() it behaves as a leadscout
/// Logger does (warnings and above to stderr). Its flush() does not wait: leadscout writes its
/// files on its own, and log::flush() waits for them. It cannot be a Route::sink (that would
/// loop); init() rejects it.
[[nodiscard]] LEADSCOUT_LOG_EXPORT std::shared_ptr<spdlog::sinks::sink> spdlog_sink();

}  // namespace leadscout::log

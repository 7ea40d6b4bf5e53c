// spdlog loggers into the log tree: capture_spdlog() and spdlog_sink().
#include "leadscout/log/spdlog.hpp"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include "leadscout/log/logger.hpp"
#include "spdlog_capture.hpp"
#include "spdlog_level.hpp"
#include "spdlog_routes.hpp"

namespace leadscout::log {
namespace detail {
namespace {

/// The name events of spdlog's unnamed default logger get.
constexpr std::string_view default_logger_name = "spdlog";

/// The leadscout logger of a spdlog logger name. Most threads log through one or two spdlog
/// loggers, so one cached handle per thread spares the registry's lock on most messages.
const Logger& logger_for(std::string_view name) {
  thread_local std::string cached_name;
  thread_local std::optional<Logger> cached;
  if (!cached || cached_name != name) {
    cached = get(name);
    cached_name.assign(name);
  }
  return *cached;
}

/// Turns spdlog messages into events. A captured logger's sink also keeps the logger's former
/// sinks, which take over when the capture ends (at shutdown()), so a spdlog logger that
/// outlives leadscout's logging keeps working, and no one changes its sink list while it logs.
class CaptureSink final : public spdlog::sinks::sink {
 public:
  /// `session` 0: always into the tree (spdlog_sink()); else a capture that lasts while
  /// shutdowns() + 1 == session.
  CaptureSink(std::vector<spdlog::sink_ptr> own_sinks, std::uint64_t session)
      : own_sinks_(std::move(own_sinks)), session_(session) {}

  void log(const spdlog::details::log_msg& msg) override {
    // Inside a route's spdlog sink the message would come back to the same sink: it goes to
    // the logger's own sinks instead (or nowhere, for spdlog_sink()).
    if (!into_tree() || t_in_user_sink) {
      for (const auto& s : own_sinks_) {
        if (s->should_log(msg.level)) s->log(msg);
      }
      return;
    }
    const Level level = from_spdlog(msg.level);
    if (level == Level::off) return;
    const std::string_view name(msg.logger_name.data(), msg.logger_name.size());
    logger_for(name.empty() ? default_logger_name : name)
        .log(level, std::string_view(msg.payload.data(), msg.payload.size()));
  }

  void flush() override {
    if (into_tree() && !t_in_user_sink) return;  // the backend writes on its own; log::flush() waits
    for (const auto& s : own_sinks_) s->flush();
  }

  // Events are rendered by leadscout's routes; the own sinks keep their own patterns.
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

  void rearm(std::uint64_t session) noexcept { session_.store(session); }
  [[nodiscard]] bool detachable() const noexcept { return session_.load() != 0; }

 private:
  [[nodiscard]] bool into_tree() const noexcept {
    const std::uint64_t s = session_.load(std::memory_order_relaxed);
    return s == 0 || s == shutdowns() + 1;
  }

  const std::vector<spdlog::sink_ptr> own_sinks_;
  std::atomic<std::uint64_t> session_;
};

void capture(spdlog::logger& logger, std::uint64_t session) {
  auto& sinks = logger.sinks();
  if (sinks.size() == 1) {
    if (auto* c = dynamic_cast<CaptureSink*>(sinks.front().get()); c != nullptr && c->detachable()) {
      c->rearm(session);  // captured before: the same sink serves this run too
      return;
    }
  }
  auto sink = std::make_shared<CaptureSink>(sinks, session);
  sinks.assign(1, std::move(sink));
}

}  // namespace

void check_sink_route(const Route& route) {
  if (!route.file.empty()) {
    throw leadscout::Error(fmt::format("log route \"{}\" has a sink too: a route writes to a file or to a sink", route.file));
  }
  if (dynamic_cast<const CaptureSink*>(route.sink.get()) != nullptr) {
    throw leadscout::Error("a log route's sink is leadscout::log::spdlog_sink(): its lines would come back as events");
  }
}

}  // namespace detail

void capture_spdlog() {
  // Read before the check: a shutdown() in between then ends this capture at once.
  const std::uint64_t session = detail::shutdowns() + 1;
  if (!detail::running()) throw leadscout::Error("leadscout::log::capture_spdlog() needs init() first");
  std::vector<std::shared_ptr<spdlog::logger>> loggers;
  spdlog::apply_all([&](std::shared_ptr<spdlog::logger> l) { loggers.push_back(std::move(l)); });
  if (auto d = spdlog::default_logger(); d && std::find(loggers.begin(), loggers.end(), d) == loggers.end()) {
    loggers.push_back(std::move(d));
  }
  // Outside apply_all(): it holds spdlog's registry lock.
  for (const auto& l : loggers) detail::capture(*l, session);
}

std::shared_ptr<spdlog::sinks::sink> spdlog_sink() { return std::make_shared<detail::CaptureSink>(std::vector<spdlog::sink_ptr>{}, 0); }

}  // namespace leadscout::log

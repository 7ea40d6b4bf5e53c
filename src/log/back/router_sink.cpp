#include "router_sink.hpp"

#include "logger_match.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace leadscout::log::detail {
namespace {

constexpr std::size_t recent_events_kept = 256;  // of warnings, and as many of errors and worse

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

/// A terminal we own: not a background job of an interactive shell (`prog &`).
bool console_allowed(ConsoleMode mode) {
  if (mode == ConsoleMode::on) return true;
  if (mode == ConsoleMode::off) return false;
  return !stderr_is_terminal() || ::tcgetpgrp(STDERR_FILENO) == ::getpgrp();
}

bool color_wanted() {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return stderr_is_terminal() && (no_color == nullptr || *no_color == '\0') &&
         (term == nullptr || std::string_view(term) != "dumb");
}

/// The calendar day containing t: [begin, end) in the given time zone.
void day_bounds(std::chrono::system_clock::time_point t, TimeZone tz, std::chrono::system_clock::time_point& begin,
                std::chrono::system_clock::time_point& end) {
  using namespace std::chrono;
  if (tz == TimeZone::utc) {
    begin = floor<days>(t);
    end = begin + days{1};
    return;
  }
  const std::time_t tt = system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  begin = system_clock::from_time_t(std::mktime(&tm));
  tm.tm_mday += 1;
  tm.tm_isdst = -1;
  end = system_clock::from_time_t(std::mktime(&tm));
}

}  // namespace

RouterSink::RouterSink(const Config& cfg, std::chrono::system_clock::time_point now)
    : retention_days_(cfg.retention_days),
      console_level_(cfg.console_level),
      console_mode_(cfg.console),
      console_loggers_(cfg.console_loggers),
      color_(color_wanted()),
      renderer_(cfg.max_line, cfg.time_zone, Redactor(cfg.redact_keys)),
      maintenance_(sink_errors),
      alert_level_(cfg.alerts.level),
      alert_gate_(cfg.alerts) {
  auto under_dir = [&](const std::string& f) {
    const std::filesystem::path file(f);
    return file.is_absolute() ? file : cfg.dir / file;
  };
  for (const Route& r : cfg.routes) {
    if (r.sink) {
      routes_.push_back({r, nullptr, std::make_unique<UserSink>(r.sink, sink_errors)});
      user_sinks_.push_back(routes_.back().user.get());
    } else {
      routes_.push_back({r, std::make_unique<RouteFile>(FilePattern(under_dir(r.file), cfg.instance), sink_errors), nullptr});
    }
  }
  if (!cfg.alerts.file.empty()) {
    alert_file_ = std::make_unique<RouteFile>(FilePattern(under_dir(cfg.alerts.file), cfg.instance), sink_errors);
  }
  if (!cfg.alerts.command.empty()) {
    alert_command_ = std::make_unique<AlertCommandRunner>(cfg.alerts.command, cfg.alerts.command_timeout, sink_errors);
  }
  current_date_ = date_for(now);
}

RouterSink::~RouterSink() {
  std::lock_guard lock(mutex_);
  flush_files();
}

const std::vector<std::uint16_t>& RouterSink::routes_for(std::uint32_t category, std::string_view logger) {
  if (category >= category_routes_.size()) {
    category_routes_.resize(category + 1);
    category_known_.resize(category + 1, false);
    category_console_.resize(category + 1, false);
  }
  if (!category_known_[category]) {
    for (std::size_t i = 0; i < routes_.size(); ++i) {
      if (common::logger_globs_match(routes_[i].route.loggers, logger)) category_routes_[category].push_back(static_cast<std::uint16_t>(i));
    }
    category_console_[category] = common::logger_globs_match(console_loggers_, logger);
    category_known_[category] = true;
  }
  return category_routes_[category];
}

const std::string& RouterSink::date_for(std::chrono::system_clock::time_point t) {
  if (day_cache_.empty() || t < day_begin_ || t >= day_end_) {
    day_bounds(t, renderer_.time_zone(), day_begin_, day_end_);
    day_cache_ = renderer_.date_of(t);
  }
  return day_cache_;
}

void RouterSink::schedule_maintenance(const std::string& today) {
  std::vector<FilePattern> patterns;
  for (const auto& r : routes_) {
    if (r.file && r.file->pattern().dated()) patterns.push_back(r.file->pattern());
  }
  if (alert_file_ && alert_file_->pattern().dated()) patterns.push_back(alert_file_->pattern());
  maintenance_.post([patterns = std::move(patterns), today, days = retention_days_] { maintain(patterns, today, days); });
}

void RouterSink::close_files(std::chrono::system_clock::time_point now) {
  {
    std::lock_guard lock(mutex_);
    flush_files();
    for (auto& r : routes_) {
      if (r.file) r.file->close();
    }
    if (alert_file_) alert_file_->close();
    // The last writer of a past day's file compresses it as it lets go.
    schedule_maintenance(std::max(current_date_, date_for(now)));
  }
  flush_user_sinks();
}

void RouterSink::rotate_to(const std::string& date) {
  for (auto& r : routes_) {
    if (r.file && r.file->pattern().dated()) r.file->close();
  }
  if (alert_file_) alert_file_->close();
  current_date_ = date;
  schedule_maintenance(date);
}

void RouterSink::write_console(const EventView& ev) {
  if (!console_allowed(console_mode_)) return;
  renderer_.console(console_line_, ev, color_);
  std::fwrite(console_line_.data(), 1, console_line_.size(), stderr);
  std::fflush(stderr);
}

void RouterSink::log(const EventRecord& record) {
  // A sink that logs on this thread (sync mode) re-enters here while the handoff is being
  // delivered: its event goes to the files only (route() skips spdlog sinks meanwhile).
  thread_local SinkHandoff handoff;
  std::uint64_t barrier = 0;
  {
    std::lock_guard lock(mutex_);
    barrier = route(record, handoff);
  }
  if (!t_in_user_sink && !handoff.empty()) handoff.deliver();
  // After the delivery, so flush() also covers the lines given to spdlog sinks.
  if (barrier != 0) complete_barrier(barrier);
}

void RouterSink::complete_barrier(std::uint64_t ticket) {
  {
    std::lock_guard lock(barrier_mutex_);
    if (ticket > barriers_done_.load()) barriers_done_.store(ticket);
  }
  barrier_cv_.notify_all();
}

std::uint64_t RouterSink::route(const EventRecord& record, SinkHandoff& handoff) {
  if (!decode_event(record.payload, decoded_)) {
    sink_errors.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  if (decoded_.category == barrier_category) {
    flush_files();
    if (!user_sinks_.empty() && !t_in_user_sink) handoff.flush_all(user_sinks_);
    std::uint64_t ticket = 0;
    std::from_chars(decoded_.event.data(), decoded_.event.data() + decoded_.event.size(), ticket);
    return ticket;
  }
  const Level level = record.level;
  const std::string_view logger = record.logger;
  const EventView ev{record.time, level, logger, &decoded_};

  // Dates only move forward: an event stamped just before midnight that arrives after the
  // rotation goes to the new day's file instead of re-opening a file being compressed.
  const std::string& date = date_for(record.time);
  if (date > current_date_) rotate_to(date);

  bool rendered = false;
  bool rendered_console = false;
  for (const std::uint16_t i : routes_for(decoded_.category, logger)) {
    RouteState& r = routes_[i];
    if (level < r.route.min_level || level > r.route.max_level) continue;
    std::string* line = &json_line_;
    if (r.route.format == Format::console) {
      if (!rendered_console) renderer_.console(console_line_, ev, false), rendered_console = true;
      line = &console_line_;
    } else if (!rendered) {
      renderer_.json(json_line_, ev);
      rendered = true;
    }
    if (r.user) {
      if (!t_in_user_sink) handoff.add(*r.user, record, *line, level >= Level::error);
      continue;
    }
    r.file->write(*line, current_date_, record.time);
    if (level >= Level::error) r.file->flush();
  }
  if (level >= alert_level_ && level != Level::off && (alert_file_ || alert_command_)) raise_alert(ev, rendered);
  if (level >= Level::warning) {
    if (!rendered) renderer_.json(json_line_, ev), rendered = true;
    std::lock_guard lock(recent_mutex_);
    auto& ring = level == Level::warning ? recent_warnings_ : recent_errors_;
    if (ring.size() == recent_events_kept) ring.pop_front();
    ring.push_back({++recent_seq_, level, json_line_.substr(0, json_line_.size() - 1)});
  }
  if (level >= console_level_ && console_mode_ != ConsoleMode::off && category_console_[decoded_.category]) {
    write_console(ev);
  }
  events_by_level[static_cast<std::size_t>(level)].fetch_add(1, std::memory_order_relaxed);
  return 0;
}

void RouterSink::raise_alert(const EventView& ev, bool& rendered) {
  std::uint64_t suppressed = 0;
  if (!alert_gate_.admit(ev.logger, ev.decoded->event, ev.time, suppressed)) return;
  if (!rendered) {
    renderer_.json(json_line_, ev);
    rendered = true;
  }
  alert_line_ = json_line_;
  if (suppressed != 0) {
    // How many alerts of this event were held back since the previous one went out.
    alert_line_.insert(alert_line_.size() - 2, ",\"suppressed\":" + std::to_string(suppressed));
  }
  if (alert_file_) {
    alert_file_->write(alert_line_, current_date_, ev.time);
    alert_file_->flush();
  }
  if (alert_command_) alert_command_->post(alert_line_);
}

std::vector<std::string> RouterSink::recent_events(Level min_level, std::size_t limit) const {
  std::vector<std::string> out;
  std::lock_guard lock(recent_mutex_);
  auto w = recent_warnings_.rbegin(), e = recent_errors_.rbegin();
  const bool with_warnings = min_level <= Level::warning;
  while (out.size() < limit) {
    const bool has_w = with_warnings && w != recent_warnings_.rend();
    const bool has_e = e != recent_errors_.rend();
    if (!has_w && !has_e) break;
    const RecentEvent& next = !has_e || (has_w && w->seq > e->seq) ? *w++ : *e++;
    if (next.level >= min_level) out.push_back(next.json);
  }
  return out;
}

void RouterSink::flush_files() {
  for (auto& r : routes_) {
    if (r.file) r.file->flush();
  }
  if (alert_file_) alert_file_->flush();
}

void RouterSink::flush() {
  {
    std::lock_guard lock(mutex_);
    flush_files();
  }
  flush_user_sinks();
}

void RouterSink::flush_user_sinks() noexcept {
  // Not from inside a sink: it may hold its own lock while it logs.
  if (t_in_user_sink) return;
  for (UserSink* s : user_sinks_) s->flush();
}

void RouterSink::wait_for_barrier(std::uint64_t ticket) {
  std::unique_lock lock(barrier_mutex_);
  barrier_cv_.wait(lock, [&] { return barriers_done_.load() >= ticket; });
}

}  // namespace leadscout::log::detail

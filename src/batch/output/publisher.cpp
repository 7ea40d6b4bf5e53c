// Progress files, the Prometheus textfile, the "Progress" event, the bar and systemd.
#include "publisher.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

namespace leadscout::batch::detail {

namespace ll = leadscout::log;

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

/// The sd_notify STATUS= line: "STATUS=op: 120/500 (24.0%), 8.1/s, ETA 47s".
std::string systemd_status(const ProgressSnapshot& s) {
  char buf[160];
  std::string out = "STATUS=" + s.operation + ": ";
  if (s.status != Status::running) {
    out += to_string(s.status);
    out += ", ";
  }
  std::snprintf(buf, sizeof buf, "%llu/%s (%.1f%%), %.1f/s", static_cast<unsigned long long>(s.processed),
                total_text(s).c_str(), s.percentage, s.rate_per_second);
  out += buf;
  if (s.status == Status::running && s.eta_seconds) {
    std::snprintf(buf, sizeof buf, ", ETA %.0fs", *s.eta_seconds);
    out += buf;
  }
  return out;
}

bool bar_allowed(ProgressBarMode mode) {
  return mode == ProgressBarMode::on || (mode == ProgressBarMode::automatic && terminal_allows_bar(2));
}

}  // namespace

Publisher::Publisher(const Options& opt, Clock& clock, ll::Logger log)
    : opt_(opt),
      clock_(clock),
      log_(std::move(log)),
      progress_log_(ll::get("progress")),
      bar_(2, bar_allowed(opt.progress_bar), opt.progress_bar == ProgressBarMode::automatic) {}

void Publisher::prepare(const ProgressFiles& files, const std::optional<ShardSpec>& shard, Clock::time_point start) {
  files_ = files;
  shard_ = shard;
  host_ = host_name();
  start_ = start;
  started_at_ = iso8601(clock_.system_now());
  try {
    if (std::filesystem::exists(files_.progress)) {
      const ProgressSnapshot previous = read_progress(files_.progress);
      if (previous.operation == opt_.operation) last_success_at_ = previous.last_success_at;
    }
  } catch (const std::exception&) {
    // An unreadable previous progress file only loses last_success_at.
  }
}

void Publisher::mark_success() { last_success_at_ = iso8601(clock_.system_now()); }

ProgressSnapshot Publisher::snapshot(Status status, const std::string& stop_reason, const RunReport& report,
                                     Clock::time_point now) {
  ProgressSnapshot s;
  s.operation = opt_.operation;
  s.status = status;
  const bool stopped = status != Status::completed && status != Status::running && status != Status::starting;
  s.reason = stopped ? stop_reason : "";
  report.fill(s);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  estimator_.update(elapsed, report.finished_this_run());
  s.rate_per_second = round1(estimator_.rate());
  s.elapsed_seconds = std::round(elapsed * 1000.0) / 1000.0;
  const std::uint64_t of = s.total_known ? s.total : s.expected_total.value_or(0);
  if (of >= s.processed && (s.total_known || of > 0)) {
    if (auto eta = estimator_.eta(of - s.processed)) s.eta_seconds = std::round(*eta);
  }
  s.started_at = started_at_;
  s.timestamp = iso8601(clock_.system_now());
  s.last_success_at = last_success_at_;
  s.pid = ::getpid();
  s.host = host_;
  s.shard = shard_;
  return s;
}

void Publisher::write(const ProgressSnapshot& s, const DurationStats& durations, const RunTelemetry& telemetry) {
  try {
    const std::string json = nlohmann::json(s).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    const double ts = std::chrono::duration<double>(clock_.system_now().time_since_epoch()).count();
    std::error_code ec;  // a directory deleted mid-run comes back
    std::filesystem::create_directories(files_.progress.parent_path(), ec);
    write_file_atomic(files_.progress, json);
    write_file_atomic(files_.status, json);
    write_file_atomic(files_.prometheus, prometheus_text(s, durations, ts, &telemetry));
    if (failed_writes_ > 0) {
      log_.info("Progress file written again", {{"path", files_.progress.string()}, {"failed_writes", failed_writes_}});
      failed_writes_ = 0;
    }
  } catch (const std::exception& e) {
    if (failed_writes_++ == 0) {
      log_.warning("Progress file not written", {{"path", files_.progress.string()}, {"error", e.what()}});
    }
  }
  if (systemd_.active()) systemd_.send(systemd_status(s));
  const ll::Value eta = s.eta_seconds ? ll::Value(static_cast<std::int64_t>(*s.eta_seconds)) : ll::Value(nullptr);
  progress_log_.info("Progress", {{"operation", s.operation},
                                  {"status", to_string(s.status)},
                                  {"processed", s.processed},
                                  {"total", s.total_known ? ll::Value(s.total) : ll::Value(nullptr)},
                                  {"percentage", s.percentage},
                                  {"rate_per_second", s.rate_per_second},
                                  {"eta_seconds", eta}});
}

void Publisher::show(const ProgressSnapshot& s, const DurationStats& durations, const RunTelemetry& telemetry,
                     Clock::time_point now) {
  write(s, durations, telemetry);
  bar_.draw(s, now, true);
}

void Publisher::announce_ready(Clock::time_point now) {
  if (opt_.systemd_notify) systemd_.open_from_env();
  if (!systemd_.active()) return;
  systemd_.send("READY=1");
  if (const auto interval = systemd_.watchdog_interval()) {
    systemd_.send("WATCHDOG=1");
    next_watchdog_ = now + std::chrono::duration_cast<Clock::duration>(*interval);
  }
}

void Publisher::announce_stopping() {
  if (stopping_sent_) return;
  stopping_sent_ = true;
  systemd_.send("STOPPING=1");
}

void Publisher::pet_watchdog(Clock::time_point now, std::size_t activity, bool busy) {
  const auto interval = systemd_.watchdog_interval();
  if (!interval || now < next_watchdog_) return;
  const bool progress = activity != watchdog_activity_ || busy;
  watchdog_activity_ = activity;
  next_watchdog_ = now + std::chrono::duration_cast<Clock::duration>(*interval);
  if (progress) systemd_.send("WATCHDOG=1");
}

}  // namespace leadscout::batch::detail

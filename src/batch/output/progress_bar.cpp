// The terminal progress bar.
#include "progress_bar.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "duration_text.hpp"
#include "strings.hpp"

namespace leadscout::batch::detail {

bool terminal_allows_bar(int fd) noexcept {
  if (::isatty(fd) == 0) return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  const pid_t foreground = ::tcgetpgrp(fd);
  return foreground != -1 && foreground == ::getpgrp();
}

std::string total_text(const ProgressSnapshot& s) {
  return common::total_text(s.total_known, s.total, s.expected_total);
}

std::string render_bar(const ProgressSnapshot& s, int width) {
  char head[160];
  const std::string eta = s.eta_seconds ? common::format_clock_duration(*s.eta_seconds) : std::string("?");
  std::snprintf(head, sizeof head, "%5.1f%% %llu/%s %.1f/s ETA %s ", s.percentage,
                static_cast<unsigned long long>(s.processed), total_text(s).c_str(), s.rate_per_second, eta.c_str());
  std::string line = s.operation + " ";
  constexpr int bar_width = 20;
  const int filled = static_cast<int>(s.percentage / 100.0 * bar_width + 0.5);
  line += '[';
  for (int i = 0; i < bar_width; ++i) line += i < filled ? '#' : '.';
  line += "] ";
  line += head;
  line += s.current_item;
  if (width > 0 && static_cast<int>(line.size()) > width) line.resize(static_cast<std::size_t>(width));
  return line;
}

void ProgressBar::draw(const ProgressSnapshot& s, Clock::time_point now, bool force) {
  if (!enabled_) return;
  if (drawn_ && !force && now - last_ < std::chrono::milliseconds(100)) return;
  if (recheck_ && !terminal_allows_bar(fd_)) return;
  const char* cols = std::getenv("COLUMNS");
  const int width = cols != nullptr && std::atoi(cols) > 0 ? std::atoi(cols) - 1 : 99;
  std::string out = "\r";
  out += render_bar(s, width);
  out += "\x1b[K";
  [[maybe_unused]] const ssize_t n = ::write(fd_, out.data(), out.size());
  drawn_ = true;
  last_ = now;
  ++draws_;
}

void ProgressBar::finish(const ProgressSnapshot& s) {
  if (!enabled_ || (recheck_ && !terminal_allows_bar(fd_))) return;
  draw(s, last_, true);
  [[maybe_unused]] const ssize_t n = ::write(fd_, "\n", 1);
}

}  // namespace leadscout::batch::detail

// One-line progress bar on stderr, only on a foreground terminal.
#pragma once

#include <string>

#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/progress.hpp"

namespace leadscout::batch::detail {

/// True when a bar may be drawn on `fd`: a terminal, this process in its foreground process
/// group (not `prog &`), and TERM is not "dumb".
[[nodiscard]] bool terminal_allows_bar(int fd) noexcept;

/// The total as shown to people: "500", "~500" (Options::expected_total of a streamed input
/// not read to its end) or "?".
[[nodiscard]] std::string total_text(const ProgressSnapshot& s);

/// The bar's text: percentage, count, rate, ETA and current item, at most `width` columns.
[[nodiscard]] std::string render_bar(const ProgressSnapshot& s, int width);

/// Draws to a file descriptor at most 10 times a second.
class ProgressBar {
 public:
  /// With `recheck_foreground`, every draw first checks terminal_allows_bar() again, so a run
  /// moved to the background (Ctrl-Z, `bg`) stops drawing on a terminal it no longer owns.
  ProgressBar(int fd, bool enabled, bool recheck_foreground = false) noexcept
      : fd_(fd), enabled_(enabled), recheck_(recheck_foreground) {}
  [[nodiscard]] bool enabled() const noexcept { return enabled_; }
  /// Redraws when at least 100 ms passed since the last draw (or `force`).
  void draw(const ProgressSnapshot& s, Clock::time_point now, bool force = false);
  /// Ends the line.
  void finish(const ProgressSnapshot& s);
  /// Number of redraws so far.
  [[nodiscard]] int draws() const noexcept { return draws_; }

 private:
  int fd_;
  bool enabled_;
  bool recheck_;
  bool drawn_ = false;
  int draws_ = 0;
  Clock::time_point last_{};
};

}  // namespace leadscout::batch::detail

// The subcommands of leadscout-logs as functions, so tests can drive them in-process (internal).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "reader.hpp"
#include "scanner.hpp"
#include "stats.hpp"

namespace leadscout::logs_tool {

/// Exit codes of leadscout-logs.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;  ///< bad usage, or a missing or unreadable path

/// Reports corrupt lines on `err`: the first `limit` one by one with file and line number, then
/// a total from finish().
class corrupt_reporter {
 public:
  corrupt_reporter(std::ostream& err, std::size_t limit) : err_(err), limit_(limit) {}

  void report(std::string_view path, std::uint64_t line, std::string_view reason);
  /// Prints the total when some were not shown one by one.
  void finish();
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

 private:
  std::ostream& err_;
  std::size_t limit_;
  std::uint64_t count_ = 0;
};

/// Turns raw lines into selected events: scans, counts corrupt lines, applies the dedup policy
/// and the filter.
class event_pipeline {
 public:
  event_pipeline(const filter_spec& filter, dedup_mode dedup, corrupt_reporter& corrupt)
      : filter_(filter), dedup_(dedup), corrupt_(corrupt) {}

  /// The event of `line` when it is valid, counted here and matches the filter; else nullptr.
  [[nodiscard]] const event* process(const input_file& file, std::string_view line,
                                     std::uint64_t line_no, bool overlong = false);

  std::uint64_t lines = 0;       ///< non-blank lines seen
  std::uint64_t duplicates = 0;  ///< valid events skipped by the dedup policy
  std::uint64_t selected = 0;    ///< events returned

 private:
  const filter_spec& filter_;
  dedup_mode dedup_;
  corrupt_reporter& corrupt_;
  event event_;
  std::unordered_set<std::uint64_t> seen_;
};

/// Options shared by summary, filter and perf.
struct input_options {
  std::vector<std::string> paths{"logs"};
  dedup_mode dedup = dedup_mode::routes;
  filter_spec filter;
  std::size_t corrupt_shown = 10;  ///< corrupt lines reported one by one
};

/// What a pass over the inputs read.
struct read_totals {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
  std::uint64_t corrupt = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t selected = 0;
  std::vector<std::string> skipped;  ///< files found in a directory that are not JSON lines
};

/// Reads every input once, calling `on_event` for each selected event. Throws path_error.
read_totals for_each_event(const input_options& in, std::ostream& err,
                           const std::function<void(const input_file&, const event&)>& on_event);

/// The console line of an event (the logger's console format), without a newline, appended to `out`.
void render_pretty(const event& e, std::string& out);

struct summary_options {
  input_options in;
  bool json = false;
  std::size_t top = 10;
};
/// `summary`: time range, counts by level and logger, top error and warning events.
int run_summary(const summary_options& opt, std::ostream& out, std::ostream& err);

struct filter_options {
  input_options in;
  bool pretty = false;
};
/// `filter`: the selected events as JSON lines, or console lines with `pretty`.
int run_filter(const filter_options& opt, std::ostream& out, std::ostream& err);

struct perf_options {
  input_options in;
  std::string field;          ///< empty: latency_ms, else elapsed_ms
  std::string by = "logger";  ///< grouping field
  bool json = false;
};
/// `perf`: percentiles of a numeric field per group, and LLM token and cost totals.
int run_perf(const perf_options& opt, std::ostream& out, std::ostream& err);

}  // namespace leadscout::logs_tool

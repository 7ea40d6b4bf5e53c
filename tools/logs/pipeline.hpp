// From log files to selected events for leadscout-logs (internal): the corrupt-line reports,
// the scan, dedup and filter of each line, and one pass over the inputs of a command.
#pragma once

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

/// Reports corrupt lines on `err`: the first `limit` one by one with file and line number, then
/// a total from finish().
class CorruptReporter {
 public:
  CorruptReporter(std::ostream& err, std::size_t limit) : err_(err), limit_(limit) {}

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
class EventPipeline {
 public:
  EventPipeline(const FilterSpec& filter, DedupMode dedup, CorruptReporter& corrupt)
      : filter_(filter), dedup_(dedup), corrupt_(corrupt) {}

  /// The event of `line` when it is valid, counted here and matches the filter; else nullptr.
  [[nodiscard]] const Event* process(const InputFile& file, std::string_view line,
                                     std::uint64_t line_no, bool overlong = false);

  std::uint64_t lines = 0;       ///< non-blank lines seen
  std::uint64_t duplicates = 0;  ///< valid events skipped by the dedup policy
  std::uint64_t selected = 0;    ///< events returned

 private:
  const FilterSpec& filter_;
  DedupMode dedup_;
  CorruptReporter& corrupt_;
  Event event_;
  std::unordered_set<std::uint64_t> seen_;
};

/// Options shared by summary, filter and perf.
struct InputOptions {
  std::vector<std::string> paths{"logs"};
  DedupMode dedup = DedupMode::routes;
  FilterSpec filter;
  std::size_t corrupt_shown = 10;  ///< corrupt lines reported one by one
};

/// What a pass over the inputs read.
struct ReadTotals {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
  std::uint64_t corrupt = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t selected = 0;
  std::vector<std::string> skipped;  ///< files found in a directory that are not JSON lines
};

/// Reads every input once, calling `on_event` for each selected event. Throws PathError.
ReadTotals for_each_event(const InputOptions& in, std::ostream& err,
                          const std::function<void(const InputFile&, const Event&)>& on_event);

}  // namespace leadscout::logs_tool

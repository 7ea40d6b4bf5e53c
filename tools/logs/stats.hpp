// Filters and aggregations of leadscout-logs (internal): event selection, bounded counters,
// percentiles in bounded memory, the summary and perf accumulators.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "scanner.hpp"

namespace leadscout::logs_tool {

/// Which events a command looks at. Call prepare() once after filling it in.
struct FilterSpec {
  std::optional<Level> min_level;        ///< --level: this level and above
  std::vector<std::string> loggers;      ///< --logger globs; `name` also matches `name.*`
  std::optional<std::int64_t> since_us;  ///< --since, inclusive
  std::optional<std::int64_t> until_us;  ///< --until, inclusive
  std::vector<std::pair<std::string, std::string>> where;  ///< --where key=value, all must hold
  std::string grep;                                       ///< --grep on the raw line
  bool regex = false;                                     ///< --grep is an ECMAScript regex
  std::vector<std::string> instances;  ///< --instance: only the files of these writer instances

  /// Compiles the regex; throws std::regex_error for a bad one.
  void prepare();
  /// Whether `e` passes every condition.
  [[nodiscard]] bool matches(const Event& e) const;

 private:
  std::optional<std::regex> re_;
};

/// Transparent string hash so maps can be probed with string_view.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

/// Counts by key, holding at most max_keys distinct keys; later new keys count as "(other)".
class BoundedCounter {
 public:
  static constexpr std::size_t max_keys = 10000;

  /// Adds n to key's count; returns the counter cell (stable while the counter lives).
  std::uint64_t& add(std::string_view key, std::uint64_t n = 1);
  /// Keys by decreasing count (ties by key), at most `n`; "(other)" included when non-zero.
  [[nodiscard]] std::vector<std::pair<std::string, std::uint64_t>> top(std::size_t n) const;
  [[nodiscard]] std::size_t size() const noexcept { return counts_.size(); }

 private:
  std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>> counts_;
  std::uint64_t other_ = 0;
};

/// Percentiles in bounded memory. Up to exact_limit values are kept and percentiles are exact
/// (nearest rank); past that the values move into logarithmic buckets (as in DDSketch) and a
/// percentile is within relative_error of the exact nearest-rank value. count, sum, min and max
/// are always exact.
class QuantileSketch {
 public:
  static constexpr std::size_t exact_limit = 2048;
  static constexpr double relative_error = 0.005;

  void add(double v);
  /// Nearest-rank percentile for q in [0, 1]; 0 when empty.
  [[nodiscard]] double quantile(double q) const;
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] double sum() const noexcept { return sum_; }
  [[nodiscard]] double min() const noexcept { return count_ ? min_ : 0.0; }
  [[nodiscard]] double max() const noexcept { return count_ ? max_ : 0.0; }
  [[nodiscard]] double mean() const noexcept { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  /// True while every value is still kept.
  [[nodiscard]] bool exact() const noexcept { return !bucketed_; }

 private:
  void bucket(double v);

  mutable std::vector<double> values_;
  mutable bool sorted_ = true;
  bool bucketed_ = false;
  std::unordered_map<int, std::uint64_t> positive_;
  std::unordered_map<int, std::uint64_t> negative_;
  std::uint64_t zeros_ = 0;
  std::uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
};

/// What `summary` reports.
struct SummaryStats {
  std::uint64_t events = 0;
  std::array<std::uint64_t, level_count> by_level{};
  BoundedCounter by_logger;
  BoundedCounter errors;    ///< error and critical events, key level\0logger\0event
  BoundedCounter warnings;  ///< warning events, same key form
  std::int64_t first_us = std::numeric_limits<std::int64_t>::max();
  std::int64_t last_us = std::numeric_limits<std::int64_t>::min();

  void add(const Event& e);

 private:
  std::string last_logger_;
  std::uint64_t* last_logger_count_ = nullptr;
  std::string key_;
};

/// LLM usage totals: tokens (or prompt + completion tokens) and cost_usd.
struct UsageTotals {
  std::uint64_t calls = 0;  ///< events carrying any usage field
  double tokens = 0;        ///< `tokens`, or prompt + completion when `tokens` is absent
  double prompt_tokens = 0;
  double completion_tokens = 0;
  double cost_usd = 0;

  /// Adds the usage fields of `e`; false when it has none.
  bool add(const Event& e);
};

/// One row of `perf`.
struct PerfGroup {
  QuantileSketch values;
  UsageTotals usage;
};

/// What `perf` reports.
struct PerfStats {
  static constexpr std::size_t max_groups = 1000;

  std::string field;         ///< the measured field; empty: latency_ms, else elapsed_ms
  std::string by = "logger"; ///< grouping field
  std::map<std::string, PerfGroup> groups;
  UsageTotals total_usage;
  std::uint64_t measured = 0;

  void add(const Event& e);
};

}  // namespace leadscout::logs_tool

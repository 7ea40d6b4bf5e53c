// Atomic file replacement and the Prometheus textfile of a run.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "leadscout/batch/progress.hpp"

namespace leadscout::batch::detail {

/// Replaces `path` atomically: writes a temporary file in the same directory, fsyncs it and
/// renames it over `path`, so a reader sees the old or the new content, never a mix. Throws Error.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

/// Upper bounds (seconds) of the item duration histogram.
inline constexpr std::array<double, 14> duration_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                         1.0,   2.5,  5.0,   10.0, 30.0, 60.0, 120.0};

/// Item durations of a run, for the Prometheus histogram and the performance summary.
struct DurationStats {
  std::array<std::uint64_t, duration_buckets.size() + 1> buckets{};  ///< non-cumulative; last is +Inf
  std::array<std::uint64_t, 256> fine{};  ///< log-scale nanosecond buckets for percentiles
  double sum_seconds = 0.0;
  std::uint64_t count = 0;
  void add(double seconds) noexcept;
  /// Approximate quantile (0..1) in seconds, 0 without samples.
  [[nodiscard]] double quantile(double q) const noexcept;
};

class RunTelemetry;

/// The Prometheus text exposition format (node_exporter textfile collector) for a snapshot,
/// followed by the families the run's callbacks recorded in `telemetry`, if given.
[[nodiscard]] std::string prometheus_text(const ProgressSnapshot& s, const DurationStats& durations,
                                          double progress_timestamp_seconds,
                                          const RunTelemetry* telemetry = nullptr);

/// A label value of the text format: backslash, double quote and line break escaped.
[[nodiscard]] std::string prom_escape(std::string_view value);
/// A sample value or bound of the text format, in the shortest form that reads back the same.
[[nodiscard]] std::string prom_number(double value);

/// ISO-8601 UTC with milliseconds and 'Z'.
[[nodiscard]] std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace leadscout::batch::detail

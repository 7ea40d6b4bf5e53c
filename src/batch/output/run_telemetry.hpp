// The histograms and counters a run's callbacks record (Context::observe(), Context::count()),
// kept for the run's Prometheus file.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leadscout/batch/telemetry.hpp"

namespace leadscout::batch::detail {

/// A run's registry of callback metrics: family → label set → cumulative figures. Thread-safe;
/// the values are this run's only, as a Prometheus counter's are a process's.
class RunTelemetry {
 public:
  /// Adds `value` to histogram `histogram` under `labels`. Throws leadscout::Error for a name,
  /// label or bucket list the exposition could not carry, a value that is not finite, or a
  /// family observed before with other buckets or as a counter.
  void observe(const Histogram& histogram, std::span<const MetricLabel> labels, double value);
  /// Adds `delta` (finite, not negative) to counter `name` under `labels`. Throws
  /// leadscout::Error as observe() does.
  void count(std::string_view name, std::string_view help, std::span<const MetricLabel> labels, double delta);

  /// The families recorded so far in the Prometheus text format, each sample's labels opening
  /// with `leading_labels` (`operation="…"` and the shard, already escaped); empty before any.
  [[nodiscard]] std::string prometheus(std::string_view leading_labels) const;

 private:
  /// Label (name, value) pairs ordered by name: one series however a caller orders them.
  using LabelSet = std::vector<std::pair<std::string, std::string>>;
  struct Series {
    std::vector<std::uint64_t> buckets;  ///< a histogram's, non-cumulative; the last is +Inf
    double sum = 0.0;                    ///< a counter's value or a histogram's sum
    std::uint64_t count = 0;
  };
  struct Family {
    bool histogram = false;
    std::string help;
    std::vector<double> bounds;
    std::map<LabelSet, Series> series;
  };

  /// The family `name` of the given kind, created on first use; m_ held.
  Family& family(std::string_view name, std::string_view help, bool histogram, std::span<const double> bounds);

  mutable std::mutex m_;
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace leadscout::batch::detail

// The shapes of the histograms and counters a callback records in the run's Prometheus file
// (Context::observe(), Context::count()).
#pragma once

#include <span>
#include <string_view>
#include <utility>

namespace leadscout::batch {

/// A label of a metric: (name, value).
using MetricLabel = std::pair<std::string_view, std::string_view>;

/// A histogram family of the run's Prometheus exposition.
struct Histogram {
  std::string_view name;            ///< e.g. "gen_ai_client_token_usage"
  std::string_view help;            ///< the # HELP text
  std::span<const double> buckets;  ///< upper bounds, ascending; +Inf is implied
};

}  // namespace leadscout::batch

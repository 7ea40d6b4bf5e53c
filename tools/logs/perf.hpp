// `leadscout-logs perf` (internal).
#pragma once

#include <ostream>
#include <string>

#include "pipeline.hpp"

namespace leadscout::logs_tool {

struct PerfOptions {
  InputOptions in;
  std::string field;          ///< empty: latency_ms, else elapsed_ms
  std::string by = "logger";  ///< grouping field
  bool json = false;
};
/// `perf`: percentiles of a numeric field per group, and LLM token and cost totals.
int run_perf(const PerfOptions& opt, std::ostream& out, std::ostream& err);

}  // namespace leadscout::logs_tool

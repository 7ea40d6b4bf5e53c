// `leadscout-logs summary` (internal).
#pragma once

#include <cstddef>
#include <ostream>

#include "pipeline.hpp"

namespace leadscout::logs_tool {

struct SummaryOptions {
  InputOptions in;
  bool json = false;
  std::size_t top = 10;
};
/// `summary`: time range, counts by level and logger, top error and warning events.
int run_summary(const SummaryOptions& opt, std::ostream& out, std::ostream& err);

}  // namespace leadscout::logs_tool

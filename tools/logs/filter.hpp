// `leadscout-logs filter` (internal).
#pragma once

#include <ostream>

#include "pipeline.hpp"

namespace leadscout::logs_tool {

struct FilterOptions {
  InputOptions in;
  bool pretty = false;
};
/// `filter`: the selected events as JSON lines, or console lines with `pretty`.
int run_filter(const FilterOptions& opt, std::ostream& out, std::ostream& err);

}  // namespace leadscout::logs_tool

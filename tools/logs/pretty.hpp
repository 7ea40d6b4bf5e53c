// The console format of leadscout-logs' --pretty output (internal).
#pragma once

#include <string>

#include "scanner.hpp"

namespace leadscout::logs_tool {

/// The console line of an event (the logger's console format), without a newline, appended to `out`.
void render_pretty(const Event& e, std::string& out);

}  // namespace leadscout::logs_tool

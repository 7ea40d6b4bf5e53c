// The process exit status of a run.
#include "leadscout/batch/summary.hpp"

#include <csignal>

namespace leadscout::batch {

int exit_code(const RunStats& stats) noexcept {
  switch (stats.status) {
    case Status::completed: return stats.failed > 0 ? 5 : 0;
    case Status::interrupted: return stats.signal == SIGTERM ? 143 : 130;
    case Status::deadline_exceeded: return 3;
    case Status::budget_exhausted: return 4;
    case Status::starting:
    case Status::running:
    case Status::failed: return 1;
  }
  return 1;
}

}  // namespace leadscout::batch

// Options::on_phase: in order, once each, one call at a time, exceptions logged.
#include "phases.hpp"

#include "leadscout/error.hpp"

namespace leadscout::batch::detail {

const char* phase_name(RunPhase phase) noexcept {
  switch (phase) {
    case RunPhase::starting: return "starting";
    case RunPhase::running: return "running";
    case RunPhase::stopping: return "stopping";
    case RunPhase::finished: return "finished";
  }
  return "unknown";
}

void PhaseSequence::advance(RunPhase phase) noexcept {
  if (reached(phase)) return;
  last_ = phase;
  if (!opt_.on_phase) return;
  try {
    try {
      opt_.on_phase(phase, dir_);
    } catch (const leadscout::Error& e) {
      if (phase == RunPhase::starting) {
        setup_error_ = std::current_exception();
        return;
      }
      log_.error("Phase callback failed", {{"phase", phase_name(phase)}, {"error", e.what()}});
    } catch (const std::exception& e) {
      log_.error("Phase callback failed", {{"phase", phase_name(phase)}, {"error", e.what()}});
    } catch (...) {
      log_.error("Phase callback failed", {{"phase", phase_name(phase)}, {"error", "unknown exception"}});
    }
  } catch (...) {
    // Logging itself failed (out of memory): the run still goes on.
  }
}

}  // namespace leadscout::batch::detail

// The run's phases as told to Options::on_phase.
#pragma once

#include <exception>
#include <filesystem>
#include <optional>
#include <utility>

#include "leadscout/batch/options.hpp"
#include "leadscout/log/logger.hpp"

namespace leadscout::batch::detail {

/// "starting", "running", "stopping" or "finished".
[[nodiscard]] const char* phase_name(RunPhase phase) noexcept;

/// Calls Options::on_phase in phase order, each phase at most once. Only run()'s thread calls
/// advance(), with no lock of the engine held, so calls never overlap and the callback may call
/// BackgroundProcessor::stop(). An exception from the callback is logged as an error event
/// ("Phase callback failed" with the phase) and the run goes on, except a leadscout::Error at
/// `starting`: a setup failure (a monitoring endpoint that cannot bind), kept for run() to
/// throw before any item runs.
class PhaseSequence {
 public:
  PhaseSequence(const Options& opt, leadscout::log::Logger log) : opt_(opt), log_(std::move(log)) {}
  /// The directory passed to the callback; set before the first advance().
  void set_directory(std::filesystem::path dir) { dir_ = std::move(dir); }
  /// Calls the callback for `phase` unless it or a later phase was reached already (running
  /// is skipped when a stop began first).
  void advance(RunPhase phase) noexcept;
  /// True when `phase` or a later one was reached.
  [[nodiscard]] bool reached(RunPhase phase) const noexcept { return last_ && *last_ >= phase; }
  /// The setup failure of the `starting` callback, if any; null afterwards.
  [[nodiscard]] std::exception_ptr take_setup_error() noexcept { return std::exchange(setup_error_, nullptr); }

 private:
  const Options& opt_;
  leadscout::log::Logger log_;
  std::filesystem::path dir_;
  std::optional<RunPhase> last_;
  std::exception_ptr setup_error_;
};

}  // namespace leadscout::batch::detail

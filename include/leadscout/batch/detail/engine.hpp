// The non-template core of BackgroundProcessor: workers, scheduling, timing, journal,
// progress files, signals and logging. The template side (processor.hpp) only adapts the
// user's Item and Result types through Job.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leadscout/batch/context.hpp"
#include "leadscout/batch/detail/deferred.hpp"
#include "leadscout/batch/detail/job.hpp"
#include "leadscout/batch/export.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/outcome.hpp"
#include "leadscout/batch/summary.hpp"

namespace leadscout::batch::detail {

/// One run of a batch. Construct, run() once.
class LEADSCOUT_BATCH_EXPORT Engine {
 public:
  explicit Engine(const Options& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Runs the batch to its end (completed, interrupted, deadline_exceeded or failed). Throws
  /// Error for setup problems found before anything starts.
  RunStats run(Job& job);
  /// As run(job), with `runner` completing the attempts instead of worker threads.
  RunStats run(Job& job, DeferredRunner& runner);
  /// Graceful stop from any thread (a second call cancels in-flight items at once). `signal`
  /// is recorded in the summary (0 for a plain stop request).
  void request_stop(int signal) noexcept;

  struct LEADSCOUT_BATCH_NO_EXPORT State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace leadscout::batch::detail

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
#include "leadscout/batch/export.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/outcome.hpp"
#include "leadscout/batch/summary.hpp"

namespace leadscout::batch::detail {

/// The typed side of a run, seen by the engine through item indices: input positions, or for
/// a streamed input the slots that pull() fills.
class Job {
 public:
  virtual ~Job() = default;
  [[nodiscard]] virtual std::size_t size() const noexcept = 0;
  /// Ids of all items (computed once, unique checked by the engine), or of every slot.
  [[nodiscard]] virtual const std::vector<std::string>& ids() const noexcept = 0;
  /// True for a streamed input.
  [[nodiscard]] virtual bool streaming() const noexcept { return false; }
  /// A streamed input: gives the job `slots` slots (ids() then has that size).
  virtual void set_slots(std::size_t slots) { (void)slots; }
  /// A streamed input: reads the next item into `slot` and its id into ids()[slot]; false at
  /// the input's end. Called on run()'s thread without locks; throws what the input throws.
  virtual bool pull(std::size_t slot) {
    (void)slot;
    return false;
  }
  /// Runs one attempt of item `index` on worker `worker`. On success stages the result (for
  /// commit) and sets `result_json` to its JSON; on failure fills `failure`. Never throws.
  virtual bool attempt(std::size_t worker, std::size_t index, Context& ctx, Failure& failure,
                       std::string& result_json) noexcept = 0;
  /// Keeps the result staged by `worker` as the result of `index`, or hands it to a callback
  /// sink; returns what that callback threw ("" when nothing).
  virtual std::string commit(std::size_t worker, std::size_t index) noexcept = 0;
  /// Drops the result staged by `worker` (a late or cancelled attempt).
  virtual void discard(std::size_t worker) noexcept = 0;
  /// Loads a journaled result of item `id` (at `index`, unknown for a streamed input) from its
  /// JSON text; false with `error` when it does not parse or convert. With a results sink
  /// nothing is kept and nothing is checked.
  virtual bool load(std::size_t index, std::string_view id, std::string_view result_json,
                    std::string& error) noexcept = 0;
};

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
  /// Graceful stop from any thread (a second call cancels in-flight items at once). `signal`
  /// is recorded in the summary (0 for a plain stop request).
  void request_stop(int signal) noexcept;

  // Used by the workers and by Context.
  static Context attempt_context(Worker& worker, Clock& clock, std::string_view id);
  static const leadscout::log::Logger& context_log(Context& ctx);
  static void context_metric(Context& ctx, std::string_view name, std::int64_t delta);
  static void context_set_current(Context& ctx, std::string_view text);
  static Permit context_acquire(Context& ctx, std::string_view quota, Usage estimate);

  struct LEADSCOUT_BATCH_NO_EXPORT State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace leadscout::batch::detail

// The seam for executors whose attempts finish later and elsewhere (a provider's batch API):
// the engine admits attempts and journals their outcomes; a DeferredRunner, written by another
// library, groups them, sends them away and finishes each when its answer comes back.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/export.hpp"

namespace leadscout::batch::detail {

/// An admitted attempt: in flight until finish() or abandon() ends it, exactly once.
struct DeferredAttempt {
  std::size_t index = 0;  ///< the item's position in the input
  int attempt = 0;        ///< 1 for the first attempt
  std::string id;         ///< the item's id
};

/// A batch the runner waits for at its provider, as the progress file shows it.
struct DeferredBatch {
  std::string id;      ///< the provider's id
  std::string status;  ///< the provider's word
  std::uint64_t requests = 0, completed = 0, failed = 0;
  Clock::time_point created{};       ///< on the run's clock
  Clock::time_point status_since{};  ///< on the run's clock
};

/// How DeferredPort::reserve() went.
enum class Reservation {
  granted,  ///< held until release()
  later,    ///< fits only once spend in flight settles (a batch's rows, permits)
  never,    ///< does not fit beside what is spent: smaller pieces may
};

/// The engine's side, given to DeferredRunner::run(). Thread-safe.
class LEADSCOUT_BATCH_EXPORT DeferredPort {
 public:
  virtual ~DeferredPort();

  /// Admits up to `max` attempts into `out`, waiting up to `wait` for the first. Returns false
  /// once admission ended (every item admitted or done, or the run stops) and none was added.
  virtual bool take(std::vector<DeferredAttempt>& out, std::size_t max, std::chrono::milliseconds wait) = 0;
  /// The item of `attempt.index` (an Item of the run), while the attempt is held.
  [[nodiscard]] virtual const void* item(std::size_t index) const = 0;
  /// Ends `attempt` by running the run's callback for its item on this thread (the callback
  /// reads what the runner prepared for it), then journals the outcome as a worker would.
  virtual void finish(const DeferredAttempt& attempt) = 0;
  /// Ends `attempt` without an outcome: it runs again after a resume.
  virtual void abandon(const DeferredAttempt& attempt) = 0;
  /// Appends the runner's own record (JSON text, one line) to the journal and makes it
  /// durable before returning; 0 or an errno value.
  [[nodiscard]] virtual int note(std::string_view json) = 0;
  /// The runner's records of earlier runs of this journal, oldest first.
  [[nodiscard]] virtual const std::vector<std::string>& notes() const = 0;
  /// Holds `cost_usd` of the budget of the quota named `quota` for work sent away (a batch at
  /// the provider) until release() returns it: permits and other reservations see it as spent.
  /// `force` holds it whatever the budget says (work that is at the provider already). Throws
  /// Error for a name that is not a quota of the run.
  [[nodiscard]] virtual Reservation reserve(std::string_view quota, double cost_usd, bool force) = 0;
  /// Returns `cost_usd` of what reserve() held (a row answered, resubmitted or abandoned).
  virtual void release(std::string_view quota, double cost_usd) = 0;
  /// The budget of `quota` cannot hold the next piece of work: stops the run with
  /// Status::budget_exhausted, as a permit that can never fit does.
  virtual void budget_exhausted(std::string_view quota) = 0;
  /// Replaces the batches the progress file, the dashboard and the status tool show.
  virtual void show(std::vector<DeferredBatch> batches) = 0;
  /// True once the run stops: submit nothing more and return from run().
  [[nodiscard]] virtual bool stopping() const = 0;
  /// Sleeps until `until` on the run's clock, or until the run stops.
  virtual void sleep_until(Clock::time_point until) = 0;
  /// The run's clock.
  [[nodiscard]] virtual Clock& clock() = 0;
  /// Options::operation, to name the run at a provider.
  [[nodiscard]] virtual const std::string& operation() const = 0;
};

/// The executor's side, implemented outside the batch library.
class DeferredRunner {
 public:
  virtual ~DeferredRunner() = default;
  /// Runs on a thread of the engine: takes attempts, finishes or abandons every one it took,
  /// and returns once take() reports the end or the run stops. Must not throw.
  virtual void run(DeferredPort& port) noexcept = 0;
  /// The most attempts it holds at once: a streamed input keeps that many items in memory
  /// besides the chunks being read.
  [[nodiscard]] virtual std::size_t capacity() const noexcept { return 1024; }
};

}  // namespace leadscout::batch::detail

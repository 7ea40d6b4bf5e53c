// The deferred executor: attempts handed to a DeferredRunner (a provider's batch API), which
// finishes them when the answers come back, on a thread of its own.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "executor.hpp"
#include "leadscout/batch/detail/deferred.hpp"
#include "worker.hpp"

namespace leadscout::batch::detail {

/// Gives the runner the DeferredPort it drives, on one thread. An attempt is in flight from
/// take() until the runner finishes or abandons it, however long the provider takes: there is
/// no item timeout, and the stop asks the runner to abandon what it holds (the provider's batches
/// keep running; a resume collects them). Its one Worker runs the run's callback for each answer
/// and journals the outcome exactly as the worker pool does.
class DeferredExecutor final : public Executor, public DeferredPort {
 public:
  DeferredExecutor(ExecutorHost& host, const AttemptEnv& env, DeferredRunner& runner, std::vector<std::string> notes,
                   std::uint64_t seed);
  DeferredExecutor(const DeferredExecutor&) = delete;
  DeferredExecutor& operator=(const DeferredExecutor&) = delete;

  // ---- Executor (the host's lock held) ----
  void start() override;
  void wake() override { cv_.notify_all(); }
  void check(time_point) override {}
  [[nodiscard]] time_point next_wake() const override { return kNever; }
  void cancel_all(time_point) override { host_.cancelled(0); }
  bool deliver_stops(std::unique_lock<std::mutex>&) override { return false; }
  [[nodiscard]] bool busy(time_point) const override { return !held_.empty(); }
  [[nodiscard]] std::optional<std::string> current_item() override { return std::nullopt; }
  [[nodiscard]] std::vector<BatchReport> batches(time_point now) const override;
  void wind_down(std::unique_lock<std::mutex>& lock) override;

  // ---- DeferredPort (the runner's thread, without the lock) ----
  bool take(std::vector<DeferredAttempt>& out, std::size_t max, std::chrono::milliseconds wait) override;
  [[nodiscard]] const void* item(std::size_t index) const override { return env_.job.item(index); }
  void finish(const DeferredAttempt& attempt) override;
  void abandon(const DeferredAttempt& attempt) override;
  [[nodiscard]] int note(std::string_view json) override;
  [[nodiscard]] const std::vector<std::string>& notes() const override { return notes_; }
  [[nodiscard]] Reservation reserve(std::string_view quota, double cost_usd, bool force) override;
  void release(std::string_view quota, double cost_usd) override;
  void budget_exhausted(std::string_view quota) override;
  void show(std::vector<DeferredBatch> batches) override;
  [[nodiscard]] bool stopping() const override { return env_.stopping.load(); }
  void sleep_until(Clock::time_point until) override;
  [[nodiscard]] Clock& clock() override { return env_.clock; }
  [[nodiscard]] const std::string& operation() const override { return env_.opt.operation; }

 private:
  /// The runner's thread: runs it, then abandons what it left in flight.
  void body() noexcept;
  /// Whether `attempt` is held, and drops it; with the lock held.
  bool release(const DeferredAttempt& attempt);

  ExecutorHost& host_;
  const AttemptEnv& env_;
  DeferredRunner& runner_;
  const std::vector<std::string> notes_;
  Worker worker_;  ///< runs the callback of each finished attempt, on the runner's thread
  std::thread thread_;
  std::condition_variable cv_;         ///< the runner waiting for work or time
  std::condition_variable exited_cv_;  ///< wind_down() waiting for the runner
  bool quit_ = false;
  bool exited_ = true;
  std::unordered_map<std::size_t, int> held_;  ///< attempts in flight: item index to attempt number
  std::string line_;
  std::vector<DeferredBatch> batches_;  ///< what the runner last showed
};

}  // namespace leadscout::batch::detail

// The worker pool: the executor that runs each attempt on a thread of its own.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "executor.hpp"
#include "worker.hpp"

namespace leadscout::batch::detail {

/// Options::concurrency threads, each taking attempts from the host in a loop until admission
/// ends. An attempt is in flight while its worker is kRunning; the coordinator claims it away
/// at its deadline or at the stop's cancellation, after which the callback's late return is
/// dropped. Everything but the threads' own fields is guarded by the host's lock.
class WorkerPool final : public Executor {
 public:
  /// Workers numbered 0..count-1, the backoff of each seeded from `seed`.
  WorkerPool(ExecutorHost& host, const AttemptEnv& env, std::size_t count, std::uint64_t seed);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Starts the threads, which log with the context fields of the calling thread.
  void start() override;
  void wake() override { work_cv_.notify_all(); }
  void check(time_point now) override;
  [[nodiscard]] time_point next_wake() const override;
  void cancel_all(time_point now) override;
  bool deliver_stops(std::unique_lock<std::mutex>& lock) override;
  [[nodiscard]] bool busy(time_point now) const override;
  [[nodiscard]] std::optional<std::string> current_item() override;
  void wind_down(std::unique_lock<std::mutex>& lock) override;

 private:
  /// A worker's thread: reports its last attempt, takes the next, runs it.
  void loop(Worker& w);
  /// Gives `w` its next attempt, waiting for one; false when the worker should exit.
  bool take(std::unique_lock<std::mutex>& lock, Worker& w);
  /// Takes an attempt away from its worker, its stop to be requested by deliver_stops(); false
  /// when it finished first.
  bool claim(Worker& w, int new_state, time_point now);
  void on_timeout(Worker& w, time_point now);

  ExecutorHost& host_;
  const AttemptEnv& env_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::condition_variable work_cv_;    ///< workers waiting for an attempt
  std::condition_variable exited_cv_;  ///< wind_down() waiting for the workers
  std::size_t live_ = 0;               ///< threads not yet past their loop
  bool quit_ = false;
  std::vector<std::stop_source> stops_to_request_;
};

}  // namespace leadscout::batch::detail

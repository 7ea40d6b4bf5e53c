// A discrete-event clock for tests with many threads: time stands still while any of them runs,
// and jumps to the earliest deadline once every one of them waits on the clock. A minute of
// simulated calls then takes as long as the threads need to compute, whatever the machine's load.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <leadscout/batch/clock.hpp>

namespace leadscout::test::batch {

/// Every wait of the `participants` threads must go through wait_until(), and the mutexes and
/// condition variables they wait on must outlive the clock's driver (stop() or destruction).
/// A thread notified by another one stays counted as waiting until it runs again, which the
/// clock cannot see: it moves time only after every participant has waited, unchanged, for a
/// short real-time grace, so such a thread is rarely late (and then by one step of time).
class SimClock final : public leadscout::batch::Clock {
 public:
  explicit SimClock(int participants)
      : start_(std::chrono::steady_clock::now()),
        system_start_(std::chrono::system_clock::now()),
        participants_(participants),
        driver_([this] { drive(); }) {}
  ~SimClock() override { stop(); }
  SimClock(const SimClock&) = delete;
  SimClock& operator=(const SimClock&) = delete;

  [[nodiscard]] time_point now() const noexcept override { return start_ + duration(offset_.load()); }
  [[nodiscard]] std::chrono::system_clock::time_point system_now() const noexcept override {
    return system_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(duration(offset_.load()));
  }
  [[nodiscard]] duration elapsed() const noexcept { return duration(offset_.load()); }

  /// Returns at `deadline` or when `cv` is notified (then possibly early: callers look again).
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, time_point deadline,
                  bool /*idle*/) override {
    if (now() >= deadline) return;
    Waiter self{deadline, lock.mutex(), &cv};
    {
      const std::lock_guard<std::mutex> guard(mu_);
      waiters_.push_back(&self);
      ++changes_;
      driver_cv_.notify_one();
    }
    // The driver notifies only after taking the caller's mutex, which is held until this wait
    // releases it: the wake-up cannot come between the registration and the wait.
    cv.wait(lock);
    const std::lock_guard<std::mutex> guard(mu_);
    if (!self.woken) {
      std::erase(waiters_, &self);  // notified by another thread: not waiting now
      ++changes_;
      driver_cv_.notify_one();
    }
  }

  /// A participant is done and waits no more.
  void leave() {
    const std::lock_guard<std::mutex> guard(mu_);
    --participants_;
    ++changes_;
    driver_cv_.notify_one();
  }

  /// True when every participant has waited with no deadline for a second: nothing can move.
  [[nodiscard]] bool stuck() const noexcept { return stuck_.load(); }

  void stop() {
    {
      const std::lock_guard<std::mutex> guard(mu_);
      stopping_ = true;
      driver_cv_.notify_one();
    }
    if (driver_.joinable()) driver_.join();
  }

 private:
  struct Waiter {
    time_point deadline;
    std::mutex* mutex;
    std::condition_variable* cv;
    bool woken = false;
  };

  [[nodiscard]] bool all_wait() const {
    return participants_ > 0 && static_cast<int>(waiters_.size()) >= participants_;
  }

  /// Waits until every participant waits and has for the grace, moves time to the earliest
  /// deadline, and wakes the threads whose deadline that is.
  void drive() {
    auto idle_since = std::chrono::steady_clock::now();
    for (;;) {
      std::vector<std::pair<std::mutex*, std::condition_variable*>> wake;
      {
        std::unique_lock<std::mutex> lock(mu_);
        driver_cv_.wait(lock, [&] { return stopping_ || all_wait(); });
        if (stopping_) return;
        const std::uint64_t seen = changes_;
        driver_cv_.wait_for(lock, grace, [&] { return stopping_ || changes_ != seen; });
        if (stopping_) return;
        if (changes_ != seen || !all_wait()) {
          idle_since = std::chrono::steady_clock::now();
          continue;
        }
        time_point earliest = time_point::max();
        for (const Waiter* w : waiters_) earliest = std::min(earliest, w->deadline);
        if (earliest == time_point::max()) {
          stuck_ = std::chrono::steady_clock::now() - idle_since > std::chrono::seconds(1);
          continue;
        }
        idle_since = std::chrono::steady_clock::now();
        if (earliest > now()) offset_.store((earliest - start_).count());
        for (Waiter* w : waiters_) {
          if (w->deadline > earliest) continue;
          w->woken = true;
          wake.emplace_back(w->mutex, w->cv);
        }
        std::erase_if(waiters_, [](const Waiter* w) { return w->woken; });
        ++changes_;
      }
      std::sort(wake.begin(), wake.end());
      wake.erase(std::unique(wake.begin(), wake.end()), wake.end());
      for (const auto& [mutex, cv] : wake) {
        const std::lock_guard<std::mutex> guard(*mutex);
        cv->notify_all();
      }
    }
  }

  static constexpr std::chrono::microseconds grace{50};

  const time_point start_;
  const std::chrono::system_clock::time_point system_start_;
  std::atomic<duration::rep> offset_{0};
  std::atomic<bool> stuck_{false};
  std::mutex mu_;
  std::condition_variable driver_cv_;
  std::vector<Waiter*> waiters_;
  std::uint64_t changes_ = 0;  ///< registrations, departures and wake-ups so far
  int participants_;
  bool stopping_ = false;
  std::thread driver_;  ///< last: it starts once the rest is built
};

}  // namespace leadscout::test::batch

// The queue between callers and the backend thread.
//
// spdlog's thread pool wakes a blocked producer for every slot the backend frees, so once the
// backend is the slower side each event costs two context switches. This queue is double
// buffered instead: producers append encoded events to one byte arena under a mutex, the
// backend swaps the whole arena out and writes the batch without holding the lock, and blocked
// producers are released once per batch. While events keep coming the backend polls every
// 200 µs instead of being woken by each producer, and writes its file buffers out after a quiet
// nap (at least every 50 ms), not after every batch.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include <spdlog/details/log_msg.h>

namespace leadscout::log::detail {

class AsyncQueue {
 public:
  /// One event as the backend sees it; views stay valid during the callback only.
  using Handler = std::function<void(const spdlog::details::log_msg&)>;
  /// Called when the queue runs empty after a batch (the moment to flush file buffers).
  using IdleHandler = std::function<void()>;

  AsyncQueue(std::size_t capacity_events, bool block_when_full, Handler handler, IdleHandler on_idle);
  /// Writes everything queued, then stops the backend thread.
  ~AsyncQueue();
  AsyncQueue(const AsyncQueue&) = delete;
  AsyncQueue& operator=(const AsyncQueue&) = delete;

  /// Queues an event. When the queue holds capacity events: blocks (block mode) or drops the
  /// event and counts it (drop mode). `always` events (flush barriers) are never dropped.
  void push(std::chrono::system_clock::time_point time, spdlog::level::level_enum level, std::string_view logger,
            std::string_view payload, bool always = false);

  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  void run();

  const std::size_t capacity_;
  const bool block_;
  Handler handler_;
  IdleHandler on_idle_;
  std::mutex mutex_;
  std::condition_variable backend_cv_;
  std::condition_variable producers_cv_;
  std::vector<char> front_;  // producers append here
  std::size_t front_events_ = 0;
  // The backend naps (timed waits nobody has to signal) while events keep coming, and only in
  // a deep sleep after a quiet spell does a producer pay for a wake-up.
  bool backend_asleep_ = false;
  bool stopping_ = false;
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace leadscout::log::detail

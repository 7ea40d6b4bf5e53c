// The queue between callers and the backend thread.
//
// A bounded lock-free ring of fixed-size slots with one consumer: a caller claims the next
// position with one compare-and-swap, writes its encoded event into the slot and publishes it
// with a release store; nothing on that path reads memory the backend writes per event. No
// mutex, no allocation and no system call on the caller's path unless the event is larger than
// a slot (its bytes then go to the heap), the ring is full (block mode waits on a futex) or the
// backend is in a deep sleep (the caller wakes it). One ring for all threads keeps events
// in the order their slots were claimed, so an event logged after another on any thread (in
// happens-before order) is written after it, and a flush barrier covers everything before it.
//
// While events keep coming the backend polls every 200 µs; it writes its file buffers out
// after a quiet nap (at least every 50 ms), not after every event, and sleeps deeply after
// 10 ms of quiet.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include <spdlog/details/log_msg.h>

#include "tsc_clock.hpp"

namespace leadscout::log::detail {

class AsyncQueue {
 public:
  /// One event as the backend sees it; views stay valid during the callback only.
  using Handler = std::function<void(const spdlog::details::log_msg&)>;
  /// Called when the queue runs empty after a batch (the moment to flush file buffers).
  using IdleHandler = std::function<void()>;

  /// Bytes of logger name and payload a slot holds inline; larger events spill to the heap.
  static constexpr std::size_t inline_bytes = 464;

  /// The ring holds capacity_events rounded up to a power of two.
  AsyncQueue(std::size_t capacity_events, bool block_when_full, Handler handler, IdleHandler on_idle);
  /// Writes everything queued, then stops the backend thread.
  ~AsyncQueue();
  AsyncQueue(const AsyncQueue&) = delete;
  AsyncQueue& operator=(const AsyncQueue&) = delete;

  /// When an event happened: system_clock nanoseconds, or TscClock ticks when `ticks` is set
  /// (converted to wall time on the backend).
  struct Stamp {
    std::int64_t value;
    bool ticks;
  };

  /// Queues an event. When the ring is full: waits for a free slot (block mode) or drops the
  /// event and counts it (drop mode). `always` events (flush barriers) are never dropped.
  void push(Stamp when, spdlog::level::level_enum level, std::string_view logger, std::string_view payload,
            bool always = false);
  /// A claimed slot: write `size` payload bytes to `payload`, then commit() it. Between the
  /// two the backend waits at this slot, so nothing that can block or throw goes in between.
  struct Reservation {
    std::uint64_t pos;
    char* payload;
  };
  /// Claims a slot for an event of payload_size bytes and copies the logger name into it;
  /// nullopt when the ring is full in drop mode (the event is counted as dropped).
  std::optional<Reservation> reserve(Stamp when, spdlog::level::level_enum level, std::string_view logger,
                                     std::size_t payload_size, bool always = false);
  /// Publishes a reserved slot to the backend.
  void commit(const Reservation& r, bool always = false);

  void push(std::chrono::system_clock::time_point time, spdlog::level::level_enum level, std::string_view logger,
            std::string_view payload, bool always = false) {
    push(Stamp{std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count(), false}, level,
         logger, payload, always);
  }

  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  /// Slots in the ring.
  [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }

 private:
  struct Slot;

  /// Claims a slot for position *pos; false when the ring is full and the event is dropped.
  bool claim(std::uint64_t& pos, bool wait);
  /// Blocks a caller until the backend has read past `released`.
  void wait_for_space(std::uint64_t released);
  /// Handles every published event from read_ onwards; returns how many.
  std::size_t drain(const TscClock* clock);
  /// Waits for events (napping, then sleeping); false once stopping with nothing left.
  bool idle(int& quiet_naps, bool& flushed);
  void wake();
  void run();

  const std::uint64_t mask_;
  const bool block_;
  Handler handler_;
  IdleHandler on_idle_;
  struct FreeRing {
    void operator()(void* p) const noexcept;
  };
  std::unique_ptr<void, FreeRing> ring_;  // the allocation
  Slot* slots_ = nullptr;                 // in it, aligned
  // Each group on its own cache line: the callers', the backend's, and the rarely written.
  alignas(64) std::atomic<std::uint64_t> write_{0};  // next position to claim
  std::atomic<std::uint64_t> cached_released_{0};    // a recent value of released_
  alignas(64) std::uint64_t read_ = 0;               // next position to handle (backend only)
  std::atomic<std::uint64_t> released_{0};           // positions below it may be reused
  std::atomic<int> waiting_{0};                      // callers blocked on a full ring
  alignas(64) std::atomic<bool> asleep_{false};      // the backend waits for a wake()
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::mutex sleep_mutex_;  // only for the backend's sleep and the wake-ups
  std::condition_variable sleep_cv_;
  std::thread thread_;
};

}  // namespace leadscout::log::detail

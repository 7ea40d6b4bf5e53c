// One thread's queue of events: a single-producer, single-consumer ring of variable-size
// records, written by the thread that owns it and read by the backend.
//
// The producer writes a record at its write position and publishes it with a release store;
// it never waits for a cache line the backend writes unless the ring looks full. The storage
// runs past the ring's end by the largest record, so a record never wraps: one that starts
// near the end continues into the overhang, and the next starts again at the beginning.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "asymmetric_fence.hpp"

namespace leadscout::log::detail {

/// The fixed part of a record. The logger name and the payload follow it, or, when the record
/// is `spilled`, a pointer to a heap block that holds both.
struct RecordHeader {
  std::uint32_t size;  ///< bytes of the whole record, a multiple of 8
  std::uint32_t payload_size;
  std::uint64_t order;  ///< when the event happened, on the queue's order clock
  std::int64_t wall_ns;  ///< the event's own wall time (system_clock nanoseconds), when has_wall
  std::uint16_t logger_size;
  std::uint8_t level;
  std::uint8_t flags;
  std::uint32_t reserved;

  static constexpr std::uint8_t has_wall = 1;
  static constexpr std::uint8_t spilled = 2;

  [[nodiscard]] static constexpr std::size_t padded(std::size_t bytes) noexcept { return (bytes + 7) & ~std::size_t{7}; }

  /// Writes the header at `record` but for its sizes, which seal() sets once they are known.
  static void open(char* record, std::uint64_t order, std::int64_t wall_ns, std::size_t logger_size, std::uint8_t level,
                   std::uint8_t flags) noexcept {
    auto* h = reinterpret_cast<RecordHeader*>(record);
    h->order = order;
    h->wall_ns = wall_ns;
    h->logger_size = static_cast<std::uint16_t>(logger_size);
    h->level = level;
    h->flags = flags;
  }
  /// Sets the sizes of the header at `record`: the whole record's (padded) and its payload's.
  static void seal(char* record, std::size_t size, std::size_t payload_size) noexcept {
    auto* h = reinterpret_cast<RecordHeader*>(record);
    h->payload_size = static_cast<std::uint32_t>(payload_size);
    h->size = static_cast<std::uint32_t>(size);
  }
};
static_assert(sizeof(RecordHeader) == 32);

class ThreadRing {
 public:
  /// A ring of capacity_bytes (a power of two of at least 2 KiB); records up to a quarter of it.
  /// Its memory is touched here, so that no caller takes a page fault on its first lap.
  explicit ThreadRing(std::size_t capacity_bytes);
  ThreadRing(const ThreadRing&) = delete;
  ThreadRing& operator=(const ThreadRing&) = delete;

  // ---- the producer ----------------------------------------------------------------------

  /// The free bytes at the write position, at most max_record(); `room` is set to their count.
  [[nodiscard]] char* window(std::size_t& room) noexcept {
    std::uint64_t free = cached_released_ + capacity_ - write_;
    if (free < max_record_) {
      cached_released_ = released_.load(std::memory_order_acquire);
      free = cached_released_ + capacity_ - write_;
    }
    room = static_cast<std::size_t>(std::min<std::uint64_t>(free, max_record_));
    return storage_.get() + (write_ & mask_);
  }
  /// Publishes the record of `size` bytes (a multiple of 8) written at the window, and orders
  /// the store before the caller's next loads (the frequent side of asymmetric_fence.hpp): the
  /// queue's sleep protocol needs that (AsyncQueue::publish); the ring itself needs only the
  /// release.
  void publish_then_fence(std::size_t size) noexcept {
    write_ += size;
    store_then_fence(published_, write_, std::memory_order_release);
  }
  /// Waits until the backend has read more than the last window() saw it read.
  void wait_for_release();
  /// The thread has exited: the backend frees the ring once it has read everything.
  void abandon() noexcept { abandoned_.store(true, std::memory_order_release); }

  [[nodiscard]] std::size_t max_record() const noexcept { return max_record_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return static_cast<std::size_t>(capacity_); }
  /// The ring's storage: the capacity and the overhang.
  [[nodiscard]] const char* storage() const noexcept { return storage_.get(); }
  [[nodiscard]] std::size_t storage_bytes() const noexcept { return static_cast<std::size_t>(capacity_) + max_record_; }

  // ---- the backend -----------------------------------------------------------------------

  [[nodiscard]] std::uint64_t published() const noexcept { return published_.load(std::memory_order_acquire); }
  [[nodiscard]] std::uint64_t released() const noexcept { return released_.load(std::memory_order_acquire); }
  [[nodiscard]] bool abandoned() const noexcept { return abandoned_.load(std::memory_order_acquire); }
  [[nodiscard]] const RecordHeader& record_at(std::uint64_t pos) const noexcept {
    return *reinterpret_cast<const RecordHeader*>(storage_.get() + (pos & mask_));
  }
  /// Gives the bytes before `pos` back to the producer and wakes it if it waits for them.
  void release(std::uint64_t pos) noexcept;
  /// The next position to read; the backend's alone.
  std::uint64_t read = 0;
  /// The smaller ring this one replaced, set before the backend sees this one; while it holds
  /// unread events, this ring's wait, so the thread's events keep their order. The backend's
  /// alone afterwards (see AsyncQueue::grow).
  std::shared_ptr<ThreadRing> predecessor;

 private:
  struct Free {
    void operator()(char* p) const noexcept;
  };
  const std::uint64_t capacity_;
  const std::uint64_t mask_;
  const std::size_t max_record_;
  std::unique_ptr<char[], Free> storage_;
  // Each group on its own cache line: the producer's, the published position, the backend's.
  alignas(64) std::uint64_t write_ = 0;
  std::uint64_t cached_released_ = 0;
  alignas(64) std::atomic<std::uint64_t> published_{0};
  alignas(64) std::atomic<std::uint64_t> released_{0};
  std::atomic<bool> abandoned_{false};
  // A producer waiting for room: rare, so a mutex and a condition variable, which never lose a
  // wake-up (libstdc++ 12's atomic wait on 64-bit values can).
  std::atomic<bool> waiting_{false};
  std::mutex wait_mutex_;
  std::condition_variable wait_cv_;
};

}  // namespace leadscout::log::detail

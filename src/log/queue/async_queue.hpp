// The queue between callers and the backend thread.
//
// Every thread that logs writes to a ring of its own (thread_ring.hpp), attached on its first
// event and freed by the backend once the thread has exited and its ring is read. The first
// ring is small; a thread whose ring fills up moves to one twice as large, up to the queue's
// size, and the backend reads the new ring once the old one is read. A call takes
// no lock and no locked instruction: it writes its record into its ring and publishes it with
// a release store. The backend merges the rings by the events' timestamps. Each pass reads the
// clock first and takes only events stamped before that reading, so an event logged after
// another one (on any thread, after seeing it) is written after it: the earlier event was
// published before the later one was stamped, so the pass that takes the later one also sees
// it. Two limits, both far below a microsecond: the caller's counter read is not serialising,
// so an event logged within a few dozen cycles of seeing another may carry a stamp just before
// it; and a thread preempted between stamping and publishing may publish after a pass has
// taken later events of other threads. Each thread's events are always written in order.
//
// While events keep coming the backend polls every nap (200 µs); it writes its file buffers
// out after a quiet nap (at least every 50 ms), not after every event, and sleeps deeply after
// 10 ms of quiet (see QueueOptions).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "asymmetric_fence.hpp"
#include "event_record.hpp"
#include "front/short_copy.hpp"
#include "leadscout/log/level.hpp"
#include "thread_ring.hpp"
#include "tsc_clock.hpp"

namespace leadscout::log::detail {

// The calling thread's ring and the id of the queue it belongs to; `t_ring_queue` is all ones
// once the thread's thread-locals are destroyed. Trivially destructible and initial-exec, so
// reading them is one load each.
[[gnu::tls_model("initial-exec")]] inline thread_local ThreadRing* t_ring = nullptr;
[[gnu::tls_model("initial-exec")]] inline thread_local std::uint64_t t_ring_queue = 0;

/// The queue's size, its overflow policy and the backend's pace.
struct QueueOptions {
  /// Events of capacity per thread's ring (see AsyncQueue::bytes_per_event).
  std::size_t capacity_events = 8192;
  /// A full ring makes the caller wait for room; else the event is dropped and counted.
  bool block_when_full = true;
  /// How long the backend waits between passes while events keep coming.
  std::chrono::microseconds nap{200};
  /// Quiet naps before the backend sleeps until a caller wakes it (10 ms).
  int naps_before_sleep = 50;
  /// Under a steady stream a line reaches its file (and tail -f) within this delay.
  std::chrono::milliseconds max_flush_delay{50};
  /// Events per pass: the backend releases ring space and checks the flush delay between passes.
  std::size_t max_batch = 4096;
};

class AsyncQueue {
 public:
  /// One event as the backend sees it; views stay valid during the callback only.
  using Handler = std::function<void(const EventRecord&)>;
  /// Called when the queue runs empty after a batch (the moment to flush file buffers).
  using IdleHandler = std::function<void()>;

  /// Bytes of each thread's ring per event of capacity: a typical event takes 150 to 250.
  static constexpr std::size_t bytes_per_event = 128;
  /// A thread's first ring: what a thread that logs a little takes.
  static constexpr std::size_t first_ring_limit = 8192;
  /// The longest logger name a record keeps.
  static constexpr std::size_t max_logger = 0xffff;

  /// Each thread's ring grows to capacity_events * bytes_per_event bytes, rounded up to a power of two.
  AsyncQueue(const QueueOptions& options, Handler handler, IdleHandler on_idle);
  /// Writes everything queued, then stops the backend thread.
  ~AsyncQueue();
  AsyncQueue(const AsyncQueue&) = delete;
  AsyncQueue& operator=(const AsyncQueue&) = delete;

  /// When an event happened: a reading of the order clock, and its wall time when that is not
  /// the order clock's (an injected clock, or a time given by the caller).
  struct Stamp {
    std::uint64_t order = 0;
    std::int64_t wall_ns = 0;
    bool has_wall = false;
  };
  [[nodiscard]] Stamp now() const noexcept { return Stamp{TscClock::read(counter_)}; }
  [[nodiscard]] Stamp at(std::chrono::system_clock::time_point wall) const noexcept;

  /// Queues an event. When the thread's ring is full: waits for room (block mode) or drops the
  /// event and counts it (drop mode). `always` events (flush barriers) are never dropped.
  void push(Stamp when, Level level, std::string_view logger, std::string_view payload, bool always = false);
  void push(std::chrono::system_clock::time_point time, Level level, std::string_view logger, std::string_view payload,
            bool always = false) {
    push(at(time), level, logger, payload, always);
  }

  /// Room for one event at the end of the calling thread's ring, its header and logger name
  /// written: write the payload to [payload, end), then commit(). `ring` is null when the ring
  /// has too little room (or the thread has none): push() the event instead.
  struct Reservation {
    ThreadRing* ring = nullptr;
    char* record = nullptr;
    char* payload = nullptr;
    char* end = nullptr;
  };
  [[nodiscard]] Reservation reserve(Stamp when, Level level, std::string_view logger) noexcept {
    ThreadRing* ring = t_ring_queue == id_ ? t_ring : attach();
    if (ring == nullptr || logger.size() > max_logger) return {};
    std::size_t room = 0;
    char* record = ring->window(room);
    const std::size_t head = sizeof(RecordHeader) + logger.size();
    if (room < head + 64) return {};  // push() waits for room, or drops
    write_header(record, when, level, logger.size(), 0);
    put_bytes(record + sizeof(RecordHeader), logger.data(), logger.size());
    return Reservation{ring, record, record + head, record + room};
  }
  /// Publishes a reserved record whose payload ends at payload_end.
  void commit(const Reservation& r, const char* payload_end) noexcept {
    const std::size_t size = RecordHeader::padded(static_cast<std::size_t>(payload_end - r.record));
    RecordHeader::seal(r.record, size, static_cast<std::size_t>(payload_end - r.payload));
    publish(*r.ring, size, false);
  }

  /// Gives the calling thread a ring of ring_bytes(), its memory touched, unless it has one:
  /// its events then take no page fault and no ring growth.
  void preallocate() noexcept;

  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  /// Bytes a thread's ring grows to.
  [[nodiscard]] std::size_t ring_bytes() const noexcept { return ring_bytes_; }
  /// Bytes of a thread's first ring.
  [[nodiscard]] std::size_t first_ring_bytes() const noexcept { return first_ring_bytes_; }
  /// Rings the backend still reads: of threads alive, or exited with events left.
  [[nodiscard]] std::size_t rings() const;

 private:
  /// Gives the calling thread a ring of this queue (nullptr: it has none any more).
  ThreadRing* attach() noexcept { return attach(first_ring_bytes_); }
  ThreadRing* attach(std::size_t bytes) noexcept;
  std::shared_ptr<ThreadRing> add_ring(std::size_t bytes, std::shared_ptr<ThreadRing> predecessor = nullptr);
  /// Replaces the ring in `slot` by one at least twice as large whose records hold
  /// `record_bytes`, up to ring_bytes(); false when it is that large already or memory is short.
  bool grow(std::shared_ptr<ThreadRing>& slot, std::size_t record_bytes) noexcept;
  /// Writes a record into the ring in `slot`, which may grow (and so be replaced).
  void write_record(std::shared_ptr<ThreadRing>& slot, Stamp when, Level level, std::string_view logger,
                    std::string_view payload, bool always);
  /// Writes a record's header but for its sizes (RecordHeader::seal() sets them): the one
  /// place that lays out when, level and logger.
  static void write_header(char* record, Stamp when, Level level, std::size_t logger_size, std::uint8_t flags) noexcept {
    RecordHeader::open(record, when.order, when.wall_ns, logger_size, static_cast<std::uint8_t>(level),
                       static_cast<std::uint8_t>(flags | (when.has_wall ? RecordHeader::has_wall : 0)));
  }
  /// Publishes a written record, then wakes the backend if it sleeps (or, `always`, at once).
  /// The sleep protocol is a Dekker pair (asymmetric_fence.hpp): the caller stores its ring's
  /// published position, then loads asleep_; the backend stores asleep_, then looks at the
  /// rings. The fence of publish_then_fence() keeps the caller's load after its store, so one
  /// side always sees the other: no event is left waiting for a backend that sleeps.
  void publish(ThreadRing& ring, std::size_t size, bool always) noexcept {
    ring.publish_then_fence(size);
    if (always || load_after_fence(asleep_)) wake();
  }
  /// Handles published events in timestamp order, up to the order clock's reading (or all
  /// of them); returns how many.
  std::size_t drain(const TscClock& clock, bool everything);
  void handle(const RecordHeader& record, const TscClock& clock);
  /// True while the ring that `ring` replaced has events left: they come first.
  static bool behind_predecessor(ThreadRing& ring) noexcept;
  /// Takes in newly attached rings and lets go of the exited threads' empty ones.
  void refresh_rings();
  /// True when some ring has events the backend has not read.
  [[nodiscard]] bool pending() const noexcept;
  /// Waits for events (napping, then sleeping); false once stopping with nothing left.
  bool idle(int& quiet_naps, bool& flushed);
  void wake();
  void run();

  struct Head {
    ThreadRing* ring;
    std::uint64_t limit;  // published when the pass began
    std::uint64_t order;  // of the record at ring->read
  };

  const std::uint64_t id_;
  const QueueOptions options_;
  const bool counter_;  // the order clock is the time-stamp counter
  const std::size_t ring_bytes_;
  const std::size_t first_ring_bytes_;
  Handler handler_;
  IdleHandler on_idle_;
  mutable std::mutex rings_mutex_;
  std::vector<std::shared_ptr<ThreadRing>> rings_;  // under rings_mutex_
  std::atomic<std::uint64_t> rings_version_{0};
  std::vector<std::shared_ptr<ThreadRing>> active_;  // the backend's copy of rings_
  std::uint64_t active_version_ = 0;
  std::vector<Head> heads_;
  std::mutex shared_mutex_;                 // the ring of threads past their thread-locals
  std::shared_ptr<ThreadRing> shared_ring_;  // under shared_mutex_
  alignas(64) std::atomic<bool> asleep_{false};  // the backend waits for a wake()
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::mutex sleep_mutex_;  // only for the backend's sleep and the wake-ups
  std::condition_variable sleep_cv_;
  std::thread thread_;
};

}  // namespace leadscout::log::detail

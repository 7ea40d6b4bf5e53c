#include "async_queue.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace leadscout::log::detail {
namespace {

constexpr std::size_t min_ring_bytes = 2048;

std::atomic<std::uint64_t> g_next_queue_id{1};

constexpr std::uint64_t no_ring = std::numeric_limits<std::uint64_t>::max();

/// Holds the thread's ring and abandons it when the thread exits; events logged after that (by
/// destructors of other thread-locals) go through the queue's shared ring.
struct RingOwner {
  std::shared_ptr<ThreadRing> ring;
  ~RingOwner() {
    if (ring) ring->abandon();
    t_ring = nullptr;
    t_ring_queue = no_ring;
  }
};

/// The calling thread's owner; only while its thread-locals live (t_ring_queue != no_ring).
RingOwner& ring_owner() {
  thread_local RingOwner owner;
  return owner;
}

}  // namespace

AsyncQueue::AsyncQueue(const QueueOptions& options, Handler handler, IdleHandler on_idle)
    : id_(g_next_queue_id.fetch_add(1)),
      options_(options),
      counter_(TscClock::usable()),
      ring_bytes_(std::bit_ceil(std::max(options.capacity_events * bytes_per_event, min_ring_bytes))),
      first_ring_bytes_(std::min(ring_bytes_, first_ring_limit)),
      handler_(std::move(handler)),
      on_idle_(std::move(on_idle)) {
  enable_light_fences();
  thread_ = std::thread([this] { run(); });
}

AsyncQueue::~AsyncQueue() {
  stopping_.store(true);
  wake();
  thread_.join();
}

AsyncQueue::Stamp AsyncQueue::at(std::chrono::system_clock::time_point wall) const noexcept {
  return Stamp{TscClock::read(counter_),
               std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()).count(), true};
}

std::size_t AsyncQueue::rings() const {
  std::lock_guard lock(rings_mutex_);
  return rings_.size();
}

std::shared_ptr<ThreadRing> AsyncQueue::add_ring(std::size_t bytes, std::shared_ptr<ThreadRing> predecessor) {
  auto ring = std::make_shared<ThreadRing>(bytes);
  ring->predecessor = std::move(predecessor);
  std::lock_guard lock(rings_mutex_);
  rings_.push_back(ring);
  rings_version_.fetch_add(1, std::memory_order_release);
  return ring;
}

ThreadRing* AsyncQueue::attach(std::size_t bytes) noexcept {
  if (t_ring_queue == no_ring) return nullptr;
  try {
    RingOwner& owner = ring_owner();
    std::shared_ptr<ThreadRing> ring = add_ring(bytes);
    if (owner.ring) owner.ring->abandon();  // the ring of an earlier queue
    owner.ring = std::move(ring);
    t_ring = owner.ring.get();
    t_ring_queue = id_;
    return t_ring;
  } catch (...) {  // out of memory: the shared ring takes the event
    return nullptr;
  }
}

void AsyncQueue::preallocate() noexcept {
  if (t_ring_queue != id_) {
    attach(ring_bytes_);
    return;
  }
  if (t_ring == nullptr) return;  // past the thread's thread-locals
  std::shared_ptr<ThreadRing>& slot = ring_owner().ring;
  if (grow(slot, ring_bytes_ / 4)) t_ring = slot.get();
}

bool AsyncQueue::grow(std::shared_ptr<ThreadRing>& slot, std::size_t record_bytes) noexcept {
  std::size_t bytes = slot->capacity();
  if (bytes >= ring_bytes_) return false;
  do {
    bytes *= 2;
  } while (bytes / 4 < record_bytes && bytes < ring_bytes_);
  try {
    // The old ring is read to its end before the new one (ThreadRing::predecessor).
    std::shared_ptr<ThreadRing> bigger = add_ring(std::min(bytes, ring_bytes_), slot);
    slot->abandon();
    slot = std::move(bigger);
    return true;
  } catch (...) {  // out of memory: the ring keeps its size
    return false;
  }
}

void AsyncQueue::push(Stamp when, Level level, std::string_view logger, std::string_view payload, bool always) {
  logger = logger.substr(0, max_logger);
  if (t_ring_queue == id_ ? t_ring != nullptr : attach() != nullptr) {
    std::shared_ptr<ThreadRing>& slot = ring_owner().ring;
    write_record(slot, when, level, logger, payload, always);
    t_ring = slot.get();
    return;
  }
  std::lock_guard lock(shared_mutex_);
  if (!shared_ring_) shared_ring_ = add_ring(first_ring_bytes_);
  write_record(shared_ring_, when, level, logger, payload, always);
}

void AsyncQueue::write_record(std::shared_ptr<ThreadRing>& slot, Stamp when, Level level, std::string_view logger,
                              std::string_view payload, bool always) {
  const std::size_t bytes = logger.size() + payload.size();
  const std::size_t inline_size = RecordHeader::padded(sizeof(RecordHeader) + bytes);
  if (inline_size > slot->max_record()) grow(slot, inline_size);  // a larger ring may hold it inline
  ThreadRing* ring = slot.get();
  const bool spill = inline_size > ring->max_record();
  const std::size_t size = spill ? sizeof(RecordHeader) + sizeof(char*) : inline_size;
  std::unique_ptr<char[]> block;  // allocated before waiting: nothing may throw once there is room
  if (spill) block.reset(new char[bytes]);
  std::size_t room = 0;
  char* record = ring->window(room);
  while (room < size) {
    if (grow(slot, size)) {  // a full ring below the queue's size grows rather than waits
      ring = slot.get();
      record = ring->window(room);
      continue;
    }
    if (!options_.block_when_full && !always) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (asleep_.load()) wake();
    ring->wait_for_release();
    record = ring->window(room);
  }
  write_header(record, when, level, logger.size(), spill ? RecordHeader::spilled : 0);
  RecordHeader::seal(record, size, payload.size());
  char* out = record + sizeof(RecordHeader);
  if (spill) {
    char* const raw = block.release();
    std::memcpy(out, &raw, sizeof raw);
    out = raw;
  }
  if (!logger.empty()) std::memcpy(out, logger.data(), logger.size());
  if (!payload.empty()) std::memcpy(out + logger.size(), payload.data(), payload.size());
  // A flush barrier must not wait for the end of the backend's nap.
  publish(*ring, size, always);
}

// ---- the backend -------------------------------------------------------------------------

void AsyncQueue::refresh_rings() {
  if (rings_version_.load(std::memory_order_acquire) != active_version_) {
    std::lock_guard lock(rings_mutex_);
    active_ = rings_;
    active_version_ = rings_version_.load(std::memory_order_relaxed);
  }
  // abandoned() before published(): the owner's last events are seen once it has exited.
  const auto done = [](const std::shared_ptr<ThreadRing>& r) { return r->abandoned() && r->read == r->published(); };
  if (std::none_of(active_.begin(), active_.end(), done)) return;
  std::lock_guard lock(rings_mutex_);
  std::erase_if(rings_, done);
  active_ = rings_;  // with any ring attached since the copy above
  active_version_ = rings_version_.fetch_add(1, std::memory_order_relaxed) + 1;
}

void AsyncQueue::handle(const RecordHeader& record, const TscClock& clock) {
  const char* bytes = reinterpret_cast<const char*>(&record) + sizeof(RecordHeader);
  char* block = nullptr;
  if ((record.flags & RecordHeader::spilled) != 0) {
    std::memcpy(&block, bytes, sizeof block);
    bytes = block;
  }
  const auto time = (record.flags & RecordHeader::has_wall) != 0
                        ? std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              std::chrono::nanoseconds(record.wall_ns)))
                        : clock.to_time(record.order);
  handler_(EventRecord{time, static_cast<Level>(record.level), std::string_view(bytes, record.logger_size),
                       std::string_view(bytes + record.logger_size, record.payload_size)});
  delete[] block;
}

bool AsyncQueue::behind_predecessor(ThreadRing& ring) noexcept {
  if (!ring.predecessor) return false;
  const ThreadRing& before = *ring.predecessor;
  // abandoned() before published(), as in refresh_rings().
  if (!before.abandoned() || before.read != before.published()) return true;
  ring.predecessor.reset();
  return false;
}

std::size_t AsyncQueue::drain(const TscClock& clock, bool everything) {
  // Read before the list of rings and their positions: whatever happened before an event
  // stamped up to here (a ring attached, an event published) is seen by the reads after it.
  const std::uint64_t cutoff = everything ? std::numeric_limits<std::uint64_t>::max() : TscClock::read_ordered(counter_);
  refresh_rings();
  heads_.clear();
  for (const auto& ring : active_) {
    const std::uint64_t limit = ring->published();
    if (!behind_predecessor(*ring) && ring->read != limit) {
      heads_.push_back(Head{ring.get(), limit, ring->record_at(ring->read).order});
    }
  }
  std::size_t n = 0;
  while (!heads_.empty() && n < options_.max_batch) {
    auto earliest = std::min_element(heads_.begin(), heads_.end(),
                                     [](const Head& a, const Head& b) { return a.order < b.order; });
    if (earliest->order > cutoff) break;  // and so are all the others
    ThreadRing& ring = *earliest->ring;
    const RecordHeader& record = ring.record_at(ring.read);
    handle(record, clock);
    ring.read += record.size;
    ++n;
    if (ring.read == earliest->limit) {
      ring.release(ring.read);
      heads_.erase(earliest);
    } else {
      earliest->order = ring.record_at(ring.read).order;
    }
  }
  for (const Head& h : heads_) {
    if (h.ring->read != h.ring->released()) h.ring->release(h.ring->read);
  }
  return n;
}

bool AsyncQueue::pending() const noexcept {
  if (rings_version_.load(std::memory_order_acquire) != active_version_) return true;
  return std::any_of(active_.begin(), active_.end(), [](const auto& r) { return r->read != r->published(); });
}

void AsyncQueue::wake() {
  {
    std::lock_guard lock(sleep_mutex_);
    asleep_.store(false);
  }
  sleep_cv_.notify_one();
}

bool AsyncQueue::idle(int& quiet_naps, bool& flushed) {
  if (pending()) {  // events stamped after the pass began, or a ring just attached
    std::this_thread::yield();
    return true;
  }
  // Flushing as soon as one batch is written would cost a write(2) per event whenever the
  // backend keeps pace with its callers; it waits for a quiet nap instead.
  if (!flushed && (quiet_naps > 0 || stopping_.load())) {
    on_idle_();
    flushed = true;
    return true;
  }
  if (stopping_.load()) return false;
  std::unique_lock lock(sleep_mutex_);
  if (quiet_naps < options_.naps_before_sleep) {
    ++quiet_naps;
    sleep_cv_.wait_for(lock, options_.nap);
    return true;
  }
  // Announce the sleep, then look once more: a caller that published before the announcement
  // is seen here, one that publishes after it sees asleep_ and wakes us (see asymmetric_fence.hpp).
  asleep_.store(true);
  heavy_fence();
  if (pending() || stopping_.load()) {
    asleep_.store(false);
    return true;
  }
  sleep_cv_.wait(lock, [this] { return !asleep_.load(); });
  return true;
}

void AsyncQueue::run() {
  TscClock clock(counter_);
  int quiet_naps = 0;
  bool flushed = true;
  std::chrono::steady_clock::time_point unflushed_since;
  for (;;) {
    clock.resync();
    // Once stopping, no caller is inside a call any more: everything published is taken.
    if (drain(clock, stopping_.load()) == 0) {
      if (!idle(quiet_naps, flushed)) return;
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (flushed) {
      unflushed_since = now;
    } else if (now - unflushed_since >= options_.max_flush_delay) {
      on_idle_();
      unflushed_since = now;
    }
    quiet_naps = 0;
    flushed = false;
  }
}

}  // namespace leadscout::log::detail

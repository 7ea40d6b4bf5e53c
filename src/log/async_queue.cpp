#include "async_queue.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <optional>

namespace leadscout::log::detail {
namespace {

constexpr auto nap = std::chrono::microseconds(200);
constexpr int naps_before_sleep = 50;  // 10 ms of quiet
// Under a steady stream a line reaches its file (and tail -f) within this delay.
constexpr auto max_flush_delay = std::chrono::milliseconds(50);

}  // namespace

/// One event. The caller that claimed position p publishes it with seq = p + 1. The backend
/// never writes a slot (it publishes how far it has read in released_ instead), so a caller
/// filling a slot does not wait for a cache line the backend holds. A trivial type, so the
/// ring can start as zeroed pages the kernel maps only when they are first written; seq is
/// accessed through std::atomic_ref.
struct alignas(64) AsyncQueue::Slot {
  std::uint64_t seq;
  std::int64_t stamp;
  bool ticks;  // stamp holds TscClock ticks, not nanoseconds
  std::int32_t level;
  std::uint32_t logger_size;
  std::uint32_t payload_size;
  char* spill;  // the bytes, when they do not fit inline
  char bytes[inline_bytes];
};

void AsyncQueue::FreeRing::operator()(void* p) const noexcept { std::free(p); }

AsyncQueue::AsyncQueue(std::size_t capacity_events, bool block_when_full, Handler handler, IdleHandler on_idle)
    : mask_(std::bit_ceil(std::max<std::size_t>(capacity_events, 2)) - 1),
      block_(block_when_full),
      handler_(std::move(handler)),
      on_idle_(std::move(on_idle)) {
  static_assert(std::is_trivial_v<Slot>, "all-zero bytes must be an empty slot");
  // calloc: large rings come from fresh zeroed pages, mapped only where they are written.
  ring_.reset(std::calloc((mask_ + 1) * sizeof(Slot) + alignof(Slot), 1));
  if (!ring_) throw std::bad_alloc();
  const auto at = reinterpret_cast<std::uintptr_t>(ring_.get());
  slots_ = reinterpret_cast<Slot*>((at + alignof(Slot) - 1) & ~std::uintptr_t{alignof(Slot) - 1});
  thread_ = std::thread([this] { run(); });
}

AsyncQueue::~AsyncQueue() {
  stopping_.store(true);
  wake();
  thread_.join();
}

void AsyncQueue::wait_for_space(std::uint64_t released) {
  if (asleep_.load()) wake();
  // Counted before the value is checked again (by wait()): the backend either sees the count
  // and notifies, or moved released_ on before the check, and wait() returns at once.
  waiting_.fetch_add(1);
  released_.wait(released);
  waiting_.fetch_sub(1, std::memory_order_relaxed);
}

bool AsyncQueue::claim(std::uint64_t& pos, bool wait) {
  pos = write_.load(std::memory_order_relaxed);
  for (;;) {
    // Free while the backend has read the previous lap's event at this position. Callers share
    // a copy of released_ next to write_, and read the backend's own only when it looks full.
    // Compared without subtracting: pos may be stale and already behind released_.
    if (pos > cached_released_.load(std::memory_order_acquire) + mask_) {
      const std::uint64_t released = released_.load(std::memory_order_acquire);
      cached_released_.store(released, std::memory_order_release);
      if (pos > released + mask_) {
        if (!wait) return false;
        wait_for_space(released);
        pos = write_.load(std::memory_order_relaxed);
        continue;
      }
    }
    // seq_cst: pairs with the backend's check before it sleeps (see idle()).
    if (write_.compare_exchange_weak(pos, pos + 1, std::memory_order_seq_cst, std::memory_order_relaxed)) return true;
  }
}

std::optional<AsyncQueue::Reservation> AsyncQueue::reserve(Stamp when, spdlog::level::level_enum level,
                                                           std::string_view logger, std::size_t payload_size,
                                                           bool always) {
  const std::size_t size = logger.size() + payload_size;
  std::unique_ptr<char[]> spill;  // allocated before a slot is claimed: a claimed slot must be published
  if (size > inline_bytes) spill.reset(new char[size]);
  std::uint64_t pos = 0;
  if (!claim(pos, block_ || always)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  Slot& s = slots_[pos & mask_];
  s.stamp = when.value;
  s.ticks = when.ticks;
  s.level = static_cast<std::int32_t>(level);
  s.logger_size = static_cast<std::uint32_t>(logger.size());
  s.payload_size = static_cast<std::uint32_t>(payload_size);
  s.spill = spill.release();
  char* out = s.spill != nullptr ? s.spill : s.bytes;
  std::memcpy(out, logger.data(), logger.size());
  return Reservation{pos, out + logger.size()};
}

void AsyncQueue::commit(const Reservation& r, bool always) {
  std::atomic_ref<std::uint64_t>(slots_[r.pos & mask_].seq).store(r.pos + 1, std::memory_order_release);
  // A flush barrier must not wait for the end of the backend's nap.
  if (always || asleep_.load()) wake();
}

void AsyncQueue::push(Stamp when, spdlog::level::level_enum level, std::string_view logger, std::string_view payload,
                      bool always) {
  const auto r = reserve(when, level, logger, payload.size(), always);
  if (!r) return;
  if (!payload.empty()) std::memcpy(r->payload, payload.data(), payload.size());
  commit(*r, always);
}

std::size_t AsyncQueue::drain(const TscClock* clock) {
  std::size_t n = 0;
  // At most one lap per call, so a steady stream still lets run() flush on time.
  while (n <= mask_) {
    Slot& s = slots_[read_ & mask_];
    if (std::atomic_ref<std::uint64_t>(s.seq).load(std::memory_order_acquire) != read_ + 1) break;
    const char* bytes = s.spill != nullptr ? s.spill : s.bytes;
    const auto time = s.ticks && clock != nullptr
                          ? clock->to_time(static_cast<std::uint64_t>(s.stamp))
                          : std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                std::chrono::nanoseconds(s.stamp)));
    const spdlog::details::log_msg msg(time, spdlog::source_loc{}, spdlog::string_view_t(bytes, s.logger_size),
        static_cast<spdlog::level::level_enum>(s.level), spdlog::string_view_t(bytes + s.logger_size, s.payload_size));
    handler_(msg);
    delete[] s.spill;  // the caller sets spill anew for every event
    ++read_;
    ++n;
    // seq_cst: pairs with waiting_ in wait_for_space(). Waiting callers are released once a
    // quarter of the ring is free, not after each event (a context switch each).
    released_.store(read_);
    if ((n & (mask_ >> 2)) == 0 && waiting_.load() != 0) released_.notify_all();
  }
  if (n != 0 && waiting_.load() != 0) released_.notify_all();
  return n;
}

void AsyncQueue::wake() {
  {
    std::lock_guard lock(sleep_mutex_);
    asleep_.store(false);
  }
  sleep_cv_.notify_one();
}

bool AsyncQueue::idle(int& quiet_naps, bool& flushed) {
  if (write_.load() != read_) {  // a caller has claimed the next slot and is filling it
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
  if (quiet_naps < naps_before_sleep) {
    ++quiet_naps;
    sleep_cv_.wait_for(lock, nap);
    return true;
  }
  // Announce the sleep, then look once more: a caller that claimed a slot before the
  // announcement is seen here, one that claims after it sees asleep_ and wakes us (both seq_cst).
  asleep_.store(true);
  if (write_.load() != read_ || stopping_.load()) {
    asleep_.store(false);
    return true;
  }
  sleep_cv_.wait(lock, [this] { return !asleep_.load(); });
  return true;
}

void AsyncQueue::run() {
  std::optional<TscClock> clock;
  if (TscClock::usable()) clock.emplace();
  int quiet_naps = 0;
  bool flushed = true;
  std::chrono::steady_clock::time_point unflushed_since;
  for (;;) {
    if (clock) clock->resync();
    if (drain(clock ? &*clock : nullptr) == 0) {
      if (!idle(quiet_naps, flushed)) return;
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (flushed) {
      unflushed_since = now;
    } else if (now - unflushed_since >= max_flush_delay) {
      on_idle_();
      unflushed_since = now;
    }
    quiet_naps = 0;
    flushed = false;
  }
}

}  // namespace leadscout::log::detail

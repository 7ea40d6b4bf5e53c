// An asymmetric Dekker fence: the frequent side (every logging call) pays a compiler barrier,
// the rare side (shutdown, the backend going to sleep) a membarrier(2) system call.
//
// The pattern: a caller stores X, then loads Y; the rare side stores Y, then loads X; at least
// one of them must see the other's store. On x86 a store may wait in the store buffer while a
// later load completes, so one side needs a full fence. membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)
// runs one on every CPU that runs a thread of this process, which moves the whole cost to the
// rare side. Where the kernel refuses it (or under ThreadSanitizer, which cannot see it), the
// callers' accesses are sequentially consistent instead.
#pragma once

#include <atomic>

namespace leadscout::log::detail {

/// True once membarrier(2) is registered for this process; callers then need no fence.
extern std::atomic<bool> g_light_fences;

/// Registers membarrier(2) once; later calls return at once.
void enable_light_fences() noexcept;

/// The frequent side: `atomic` stores `value`, and the next loads are ordered after it.
template <class T>
inline void store_then_fence(std::atomic<T>& atomic, T value, std::memory_order order) noexcept {
  if (g_light_fences.load(std::memory_order_relaxed)) {
    atomic.store(value, order);
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
    atomic.store(value, std::memory_order_seq_cst);
  }
}

/// The frequent side's later load, paired with store_then_fence().
template <class T>
[[nodiscard]] inline T load_after_fence(const std::atomic<T>& atomic) noexcept {
  return g_light_fences.load(std::memory_order_relaxed) ? atomic.load(std::memory_order_relaxed) : atomic.load();
}

/// The rare side, between its sequentially consistent store and its loads.
void heavy_fence() noexcept;

}  // namespace leadscout::log::detail

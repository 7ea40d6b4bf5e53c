// Which threads are inside emit(): shutdown() waits for them before it destroys the state.
//
// Each thread counts its own calls in a cache line of its own, written only by that thread,
// so entering and leaving are plain stores. Entering pairs with shutdown() through an
// asymmetric fence (asymmetric_fence.hpp): a locked instruction here would wait for the
// previous event's stores to drain, which would be most of a call's cost.
#pragma once

#include <atomic>

#include "queue/asymmetric_fence.hpp"

namespace leadscout::log::detail {

struct alignas(64) EmitterSlot {
  std::atomic<int> inside{0};
  std::atomic<bool> taken{false};
  bool shared = false;  // the slot of threads that found none free: counted with RMWs
};

/// The calling thread's slot, claimed on its first call and given back when it exits.
EmitterSlot* claim_emitter_slot() noexcept;
[[gnu::tls_model("initial-exec")]] extern thread_local EmitterSlot* t_emitter_slot;

/// True while any thread is inside an EmitterGuard.
[[nodiscard]] bool emitters_inside() noexcept;

/// Marks the thread as inside emit(). Entering is fenced against shutdown()'s heavy_fence():
/// shutdown() either sees this thread inside or the thread sees no state.
class EmitterGuard {
 public:
  EmitterGuard() noexcept : slot_(t_emitter_slot != nullptr ? t_emitter_slot : claim_emitter_slot()) {
    if (slot_->shared) {
      slot_->inside.fetch_add(1);
    } else {
      store_then_fence(slot_->inside, slot_->inside.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
  }
  ~EmitterGuard() {
    if (slot_->shared) {
      slot_->inside.fetch_sub(1, std::memory_order_release);
    } else {
      slot_->inside.store(slot_->inside.load(std::memory_order_relaxed) - 1, std::memory_order_release);
    }
  }
  EmitterGuard(const EmitterGuard&) = delete;
  EmitterGuard& operator=(const EmitterGuard&) = delete;

 private:
  EmitterSlot* slot_;
};

}  // namespace leadscout::log::detail

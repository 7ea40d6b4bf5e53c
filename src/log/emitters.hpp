// Which threads are inside emit(): shutdown() waits for them before it destroys the state.
//
// Each thread counts its own calls in a cache line of its own, written only by that thread,
// so entering is one sequentially consistent store and leaving a plain release store. A
// locked read-modify-write on the way out would also wait for the event's stores into the
// queue to drain, which is most of a call's cost.
#pragma once

#include <atomic>

namespace leadscout::log::detail {

struct alignas(64) EmitterSlot {
  std::atomic<int> inside{0};
  std::atomic<bool> taken{false};
  bool shared = false;  // the slot of threads that found none free: counted with RMWs
};

/// The calling thread's slot, claimed on its first call and given back when it exits.
EmitterSlot* claim_emitter_slot() noexcept;
extern thread_local EmitterSlot* t_emitter_slot;

/// True while any thread is inside an EmitterGuard.
[[nodiscard]] bool emitters_inside() noexcept;

/// Marks the thread as inside emit(). Entering is seq_cst: together with the seq_cst load of
/// the state after it, shutdown() either sees this thread inside or the thread sees no state.
class EmitterGuard {
 public:
  EmitterGuard() noexcept : slot_(t_emitter_slot != nullptr ? t_emitter_slot : claim_emitter_slot()) {
    if (slot_->shared) {
      slot_->inside.fetch_add(1);
    } else {
      slot_->inside.store(slot_->inside.load(std::memory_order_relaxed) + 1);
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

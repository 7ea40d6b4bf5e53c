#include "emitters.hpp"

#include <algorithm>
#include <cstddef>

namespace leadscout::log::detail {
namespace {

constexpr std::size_t slot_count = 256;  // threads beyond it share one slot

EmitterSlot g_slots[slot_count];
EmitterSlot g_shared{.inside = 0, .taken = true, .shared = true};

/// Gives the thread's slot back when the thread exits; later calls on it (from destructors of
/// other thread-locals) use the shared slot.
struct SlotReturn {
  ~SlotReturn() {
    EmitterSlot* mine = t_emitter_slot;
    t_emitter_slot = &g_shared;
    if (mine != nullptr && !mine->shared) mine->taken.store(false, std::memory_order_release);
  }
};

}  // namespace

[[gnu::tls_model("initial-exec")]] thread_local EmitterSlot* t_emitter_slot = nullptr;

EmitterSlot* claim_emitter_slot() noexcept {
  thread_local SlotReturn give_back;
  for (EmitterSlot& s : g_slots) {
    bool expected = false;
    if (!s.taken.load(std::memory_order_relaxed) &&
        s.taken.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
      t_emitter_slot = &s;
      return &s;
    }
  }
  t_emitter_slot = &g_shared;
  return &g_shared;
}

bool emitters_inside() noexcept {
  return g_shared.inside.load() != 0 ||
         std::any_of(std::begin(g_slots), std::end(g_slots), [](const EmitterSlot& s) { return s.inside.load() != 0; });
}

}  // namespace leadscout::log::detail

#include "thread_ring.hpp"

#include <cstdlib>
#include <new>

namespace leadscout::log::detail {

void ThreadRing::Free::operator()(char* p) const noexcept { std::free(p); }

ThreadRing::ThreadRing(std::size_t capacity_bytes)
    : capacity_(capacity_bytes), mask_(capacity_bytes - 1), max_record_(capacity_bytes / 4) {
  // Untouched pages of a large allocation are not mapped until the ring first reaches them.
  const std::size_t bytes = capacity_bytes + max_record_;
  storage_.reset(static_cast<char*>(std::aligned_alloc(64, (bytes + 63) & ~std::size_t{63})));
  if (!storage_) throw std::bad_alloc();
}

void ThreadRing::wait_for_release() {
  // Counted before wait() checks the value again: the backend either sees the count and
  // notifies, or released more before the check, and wait() returns at once.
  waiting_.fetch_add(1);
  released_.wait(cached_released_);
  waiting_.fetch_sub(1, std::memory_order_relaxed);
}

void ThreadRing::release(std::uint64_t pos) noexcept {
  released_.store(pos);  // seq_cst: pairs with waiting_ in wait_for_release()
  if (waiting_.load() != 0) released_.notify_all();
}

}  // namespace leadscout::log::detail

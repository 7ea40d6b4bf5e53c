#include "thread_ring.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace leadscout::log::detail {

void ThreadRing::Free::operator()(char* p) const noexcept { std::free(p); }

ThreadRing::ThreadRing(std::size_t capacity_bytes)
    : capacity_(capacity_bytes), mask_(capacity_bytes - 1), max_record_(capacity_bytes / 4) {
  // Untouched pages of a large allocation are not mapped until they are first written: writing
  // them now takes their page faults here, once, instead of in the caller's later events.
  const std::size_t bytes = (capacity_bytes + max_record_ + 63) & ~std::size_t{63};
  storage_.reset(static_cast<char*>(std::aligned_alloc(64, bytes)));
  if (!storage_) throw std::bad_alloc();
  std::memset(storage_.get(), 0, bytes);
}

void ThreadRing::wait_for_release() {
  std::unique_lock lock(wait_mutex_);
  // Announced before the check (both seq_cst): release() either sees the announcement and
  // notifies under the mutex, or stored its position before the check, which then passes.
  waiting_.store(true);
  wait_cv_.wait(lock, [this] { return released_.load() != cached_released_; });
  waiting_.store(false);
}

void ThreadRing::release(std::uint64_t pos) noexcept {
  released_.store(pos);
  if (waiting_.load()) {
    std::lock_guard lock(wait_mutex_);
    wait_cv_.notify_all();
  }
}

}  // namespace leadscout::log::detail

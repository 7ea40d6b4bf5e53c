#include "asymmetric_fence.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>

namespace leadscout::log::detail {
namespace {

#if defined(__SANITIZE_THREAD__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
#else
constexpr bool sanitized = false;
#endif

long membarrier(int command) noexcept { return ::syscall(__NR_membarrier, command, 0, 0); }

}  // namespace

std::atomic<bool> g_light_fences{false};

void enable_light_fences() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sanitized) return;
    const long supported = membarrier(MEMBARRIER_CMD_QUERY);
    if (supported < 0 || (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return;
    if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0) return;
    g_light_fences.store(true);
  });
}

void heavy_fence() noexcept {
  // Callers that read g_light_fences as false used sequentially consistent accesses, which the
  // rare side's own sequentially consistent accesses already pair with.
  if (g_light_fences.load()) membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

}  // namespace leadscout::log::detail

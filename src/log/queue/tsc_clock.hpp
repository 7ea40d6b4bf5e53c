// The clock that orders events across threads, converted to wall time on the backend.
//
// Reading std::chrono::system_clock costs about 20 ns; reading the CPU's time-stamp counter
// about half of that. Where the counter runs at a constant rate across cores and sleep states
// (x86-64 with constant_tsc and nonstop_tsc) events are stamped with it; elsewhere with
// steady_clock nanoseconds. The backend turns either into wall time relative to a fresh
// (ticks, system_clock) pair, so the conversion error is the rate error times the event's age
// in the queue (microseconds), not times the process's uptime.
#pragma once

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace leadscout::log::detail {

class TscClock {
 public:
  /// True when the time-stamp counter is usable (see above).
  [[nodiscard]] static bool usable() noexcept;
  /// The time-stamp counter now (0 where there is none).
  [[nodiscard]] static std::uint64_t ticks() noexcept {
#if defined(__x86_64__)
    return __rdtsc();
#else
    return 0;
#endif
  }
  [[nodiscard]] static std::uint64_t steady_ns() noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
  }
  /// Ticks of the counter (`counter`) or steady nanoseconds, as read by the callers. Not
  /// serialising: the counter may be read a few dozen cycles before the loads ahead of it.
  [[nodiscard]] static std::uint64_t read(bool counter) noexcept { return counter ? ticks() : steady_ns(); }
  /// The same, but no later load of this thread starts before it: the backend's cut-off.
  [[nodiscard]] static std::uint64_t read_ordered(bool counter) noexcept;

  /// Measures the rate of read(counter) for a couple of milliseconds (on the backend thread).
  explicit TscClock(bool counter = usable());
  /// Samples the ticks and system_clock together; to_time() converts relative to it.
  void resync();
  /// The wall time of ticks taken near the last resync().
  [[nodiscard]] std::chrono::system_clock::time_point to_time(std::uint64_t ticks) const noexcept;

 private:
  bool counter_;
  std::uint64_t base_ticks_;
  std::chrono::steady_clock::time_point base_steady_;
  double ticks_per_ns_ = 1.0;
  std::uint64_t now_ticks_ = 0;
  std::chrono::system_clock::time_point now_wall_;
};

}  // namespace leadscout::log::detail

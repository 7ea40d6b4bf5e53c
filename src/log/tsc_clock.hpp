// Timestamps from the CPU's time-stamp counter, converted to wall time on the backend.
//
// Reading std::chrono::system_clock costs about 20 ns; reading the counter about a third of
// that. Callers take ticks(); the backend turns them into wall time relative to a fresh
// (counter, system_clock) pair, so the conversion error is the counter's rate error times the
// event's age in the queue (microseconds), not times the process's uptime.
#pragma once

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace leadscout::log::detail {

class TscClock {
 public:
  /// True when the counter runs at a constant rate across cores and sleep states (x86-64
  /// with constant_tsc and nonstop_tsc); otherwise callers read system_clock.
  [[nodiscard]] static bool usable() noexcept;
  /// The counter now.
  [[nodiscard]] static std::uint64_t ticks() noexcept {
#if defined(__x86_64__)
    return __rdtsc();
#else
    return 0;
#endif
  }

  /// Measures the counter's rate for a couple of milliseconds (on the backend thread).
  TscClock();
  /// Samples the counter and system_clock together; to_time() converts relative to it.
  void resync();
  /// The wall time of ticks taken near the last resync().
  [[nodiscard]] std::chrono::system_clock::time_point to_time(std::uint64_t ticks) const noexcept;

 private:
  std::uint64_t base_ticks_;
  std::chrono::steady_clock::time_point base_steady_;
  double ticks_per_ns_ = 1.0;
  std::uint64_t now_ticks_ = 0;
  std::chrono::system_clock::time_point now_wall_;
};

}  // namespace leadscout::log::detail

#include "tsc_clock.hpp"

#include <fstream>
#include <string>

namespace leadscout::log::detail {
namespace {

constexpr auto calibration = std::chrono::milliseconds(2);

bool cpu_has_invariant_tsc() {
#if defined(__x86_64__)
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) {
      return line.find(" constant_tsc") != std::string::npos && line.find(" nonstop_tsc") != std::string::npos;
    }
  }
#endif
  return false;
}

}  // namespace

bool TscClock::usable() noexcept {
  static const bool ok = [] {
    try {
      return cpu_has_invariant_tsc();
    } catch (...) {
      return false;
    }
  }();
  return ok;
}

std::uint64_t TscClock::read_ordered(bool counter) noexcept {
#if defined(__x86_64__)
  if (counter) {
    _mm_lfence();  // the counter is read after everything before it, and before everything after
    const std::uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
  }
#endif
  return steady_ns();
}

TscClock::TscClock(bool counter)
    : counter_(counter), base_ticks_(read(counter)), base_steady_(std::chrono::steady_clock::now()) {
  auto now = base_steady_;
  while (now - base_steady_ < calibration) now = std::chrono::steady_clock::now();
  resync();
}

void TscClock::resync() {
  now_ticks_ = read(counter_);
  const auto steady = std::chrono::steady_clock::now();
  now_wall_ = std::chrono::system_clock::now();
  // The rate over everything since construction: the longer the baseline, the better.
  const auto elapsed = std::chrono::duration<double, std::nano>(steady - base_steady_).count();
  if (elapsed > 0) ticks_per_ns_ = static_cast<double>(now_ticks_ - base_ticks_) / elapsed;
  if (!(ticks_per_ns_ > 0)) ticks_per_ns_ = 1.0;
}

std::chrono::system_clock::time_point TscClock::to_time(std::uint64_t t) const noexcept {
  // Signed: events claimed after the resync are a little younger than it.
  const auto age_ticks = static_cast<double>(static_cast<std::int64_t>(now_ticks_ - t));
  const auto age = std::chrono::nanoseconds(static_cast<std::int64_t>(age_ticks / ticks_per_ns_));
  return now_wall_ - std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
}

}  // namespace leadscout::log::detail

// Real and manual clocks.
#include "leadscout/batch/clock.hpp"

namespace leadscout::batch {

namespace {

class RealClock final : public Clock {
 public:
  [[nodiscard]] time_point now() const noexcept override { return std::chrono::steady_clock::now(); }
  [[nodiscard]] std::chrono::system_clock::time_point system_now() const noexcept override {
    return std::chrono::system_clock::now();
  }
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, time_point deadline,
                  bool /*idle*/) override {
    if (deadline == time_point::max()) {
      cv.wait(lock);
    } else {
      cv.wait_until(lock, deadline);
    }
  }
};

}  // namespace

std::shared_ptr<Clock> system_clock() {
  static const std::shared_ptr<Clock> clock = std::make_shared<RealClock>();
  return clock;
}

ManualClock::ManualClock() noexcept
    : start_(std::chrono::steady_clock::now()), system_start_(std::chrono::system_clock::now()) {}

Clock::time_point ManualClock::now() const noexcept { return start_ + duration(offset_.load()); }

std::chrono::system_clock::time_point ManualClock::system_now() const noexcept {
  return system_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(duration(offset_.load()));
}

void ManualClock::advance(duration d) noexcept {
  if (d.count() > 0) offset_.fetch_add(d.count());
}

void ManualClock::advance_to(time_point t) noexcept {
  const duration::rep target = (t - start_).count();
  duration::rep current = offset_.load();
  while (current < target && !offset_.compare_exchange_weak(current, target)) {
  }
}

void ManualClock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, time_point deadline,
                             bool idle) {
  if (now() >= deadline) return;
  if (idle && auto_advance_.load() && deadline != time_point::max()) {
    advance_to(deadline);
    return;
  }
  // Time moves only through advance() from another thread: look again soon.
  cv.wait_for(lock, std::chrono::milliseconds(1));
}

}  // namespace leadscout::batch

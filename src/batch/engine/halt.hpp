// Halting a batch whose recent items mostly fail (GNU parallel's --halt soon,fail=X%).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leadscout::batch::detail {

/// The outcomes of the last `window` finished items. Not thread-safe.
class HaltWindow {
 public:
  /// `failure_rate` <= 0 or `window` == 0 disables it.
  HaltWindow(double failure_rate, std::size_t window) : rate_(failure_rate), window_(window) {}
  /// Records one finished item; returns the reason to stop when the window is full and its
  /// share of failures reached the rate.
  [[nodiscard]] std::optional<std::string> add(bool failure);

 private:
  double rate_;
  std::size_t window_;
  std::vector<std::uint8_t> ring_;
  std::size_t pos_ = 0;
  std::size_t count_ = 0;
  std::size_t failures_ = 0;
};

}  // namespace leadscout::batch::detail

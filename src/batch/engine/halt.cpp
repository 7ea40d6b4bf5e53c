// The failure window behind Options::halt_failure_rate.
#include "halt.hpp"

#include <cstdio>

namespace leadscout::batch::detail {

std::optional<std::string> HaltWindow::add(bool failure) {
  if (rate_ <= 0.0 || window_ == 0) return std::nullopt;
  if (ring_.empty()) ring_.assign(window_, 0);
  if (count_ == ring_.size()) {
    failures_ -= ring_[pos_];
  } else {
    ++count_;
  }
  ring_[pos_] = failure ? 1 : 0;
  failures_ += failure ? 1 : 0;
  pos_ = (pos_ + 1) % ring_.size();
  if (count_ < ring_.size()) return std::nullopt;
  const double rate = static_cast<double>(failures_) / static_cast<double>(count_);
  if (rate < rate_) return std::nullopt;
  char buf[200];
  std::snprintf(buf, sizeof buf, "failure rate %.0f%% over the last %zu items reached halt_failure_rate %.0f%%",
                rate * 100.0, count_, rate_ * 100.0);
  return std::string(buf);
}

}  // namespace leadscout::batch::detail

// The stop of a run.
#include "run_stop.hpp"

#include <algorithm>

#include "duration_text.hpp"

namespace leadscout::batch::detail {

void RunStop::set_start(time_point start) noexcept {
  if (opt_.deadline.count() > 0) deadline_at_ = start + opt_.deadline;
}

bool RunStop::begin(Status status, std::string reason, int signal, std::size_t in_flight) {
  if (stopping_.load()) return false;
  stopping_.store(true);
  status_ = status;
  reason_ = std::move(reason);
  signal_ = signal;
  cancel_at_ = clock_.now() + opt_.shutdown_grace;
  quota_stop_.request_stop();
  log_.warning("Batch stopping", {{"status", to_string(status)},
                                  {"reason", reason_},
                                  {"in_flight", in_flight},
                                  {"grace_ms", opt_.shutdown_grace}});
  return true;
}

bool RunStop::begin_if_past_deadline(time_point now, std::size_t in_flight) {
  if (now < deadline_at_) return false;
  return begin(Status::deadline_exceeded, "deadline " + common::format_exact_duration(opt_.deadline) + " reached", 0, in_flight);
}

void RunStop::fail_late(std::string reason) {
  if (status_ == Status::failed) return;
  stopping_.store(true);
  status_ = Status::failed;
  reason_ = std::move(reason);
}

bool RunStop::cancel_due(time_point now) const noexcept {
  return stopping_.load() && !cancelled_ && (cancel_now_ || now >= cancel_at_);
}

time_point RunStop::next_wake() const noexcept {
  if (!stopping_.load()) return deadline_at_;
  return cancelled_ ? kNever : cancel_at_;
}

}  // namespace leadscout::batch::detail

// Context: what a callback gets besides its item, served by the worker that runs the attempt.
#include "leadscout/batch/context.hpp"

#include "worker.hpp"

namespace leadscout::batch {

const leadscout::log::Logger& Context::log() {
  if (!log_) log_.emplace(worker_->log().bind({{"item_id", id_}, {"attempt", attempt_}}));
  return *log_;
}

void Context::metric(std::string_view name, std::int64_t delta) { worker_->add_metric(name, delta); }

void Context::observe(const Histogram& histogram, std::span<const MetricLabel> labels, double value) {
  worker_->observe(histogram, labels, value);
}

void Context::count(std::string_view name, std::string_view help, std::span<const MetricLabel> labels, double delta) {
  worker_->count(name, help, labels, delta);
}

void Context::set_current(std::string_view text) { worker_->set_current(text); }

Permit Context::acquire(std::string_view quota, Usage estimate) {
  Permit permit = worker_->acquire(stop_, quota, estimate);
  deadline_ = worker_->deadline();  // moved by the wait; written by this thread only
  return permit;
}

void Context::charge(std::string_view quota, Usage used) { worker_->charge(quota, used); }

}  // namespace leadscout::batch

// Endpoint health: consecutive failures, and the time each cooling endpoint is ready again.
#include "failover.hpp"

#include <algorithm>

namespace leadscout::llm::detail {

EndpointHealth::EndpointHealth(std::size_t endpoints, int failures_to_cool, batch::Clock::duration cooldown)
    : states_(endpoints), failures_to_cool_(std::max(1, failures_to_cool)), cooldown_(cooldown) {}

std::optional<std::size_t> EndpointHealth::pick(TimePoint now, std::size_t first) const {
  const std::lock_guard lock(mutex_);
  for (std::size_t i = first; i < states_.size(); ++i) {
    if (states_[i].ready <= now) return i;
  }
  return std::nullopt;
}

TimePoint EndpointHealth::earliest_ready(std::size_t first) const {
  const std::lock_guard lock(mutex_);
  TimePoint earliest = TimePoint::max();
  for (std::size_t i = first; i < states_.size(); ++i) earliest = std::min(earliest, states_[i].ready);
  return earliest;
}

bool EndpointHealth::failed(std::size_t endpoint, TimePoint now) {
  const std::lock_guard lock(mutex_);
  State& s = states_.at(endpoint);
  if (s.ready > now) return false;  // already cooling: a call that started before it did
  if (++s.failures < failures_to_cool_) return false;
  s.failures = 0;
  s.ready = now + cooldown_;
  return true;
}

void EndpointHealth::succeeded(std::size_t endpoint) {
  const std::lock_guard lock(mutex_);
  states_.at(endpoint).failures = 0;
}

bool EndpointHealth::cool(std::size_t endpoint, TimePoint now, TimePoint until) {
  const std::lock_guard lock(mutex_);
  State& s = states_.at(endpoint);
  const bool was_ready = s.ready <= now;
  s.ready = std::max(s.ready, until);
  s.failures = 0;
  return was_ready;
}

}  // namespace leadscout::llm::detail

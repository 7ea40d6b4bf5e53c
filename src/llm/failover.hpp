// Which endpoint a call goes to: the first in order that is not cooling down. An endpoint cools
// down after consecutive failures, or while its provider asks for a wait longer than a call has.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "leadscout/batch/clock.hpp"

namespace leadscout::llm::detail {

using TimePoint = batch::Clock::time_point;

/// The cooling state of every endpoint of a client. Thread-safe.
class EndpointHealth {
 public:
  EndpointHealth(std::size_t endpoints, int failures_to_cool, batch::Clock::duration cooldown);

  /// The first endpoint from `first` on that is not cooling at `now`; nullopt when all are.
  [[nodiscard]] std::optional<std::size_t> pick(TimePoint now, std::size_t first = 0) const;
  /// When the earliest cooling endpoint at or after `first` is ready again.
  [[nodiscard]] TimePoint earliest_ready(std::size_t first = 0) const;

  /// A 5xx, a connection failure or a timeout of `endpoint`. True when it starts cooling now
  /// (for the cooldown), after `failures_to_cool` in a row.
  bool failed(std::size_t endpoint, TimePoint now);
  /// An answer (or a client error, which says nothing about the endpoint's health).
  void succeeded(std::size_t endpoint);
  /// Skips `endpoint` until `until`, however many failures it had. True when it was not
  /// cooling at `now`.
  bool cool(std::size_t endpoint, TimePoint now, TimePoint until);

 private:
  struct State {
    int failures = 0;
    TimePoint ready{};  ///< cooling while now < ready
  };
  mutable std::mutex mutex_;
  std::vector<State> states_;
  int failures_to_cool_;
  batch::Clock::duration cooldown_;
};

}  // namespace leadscout::llm::detail

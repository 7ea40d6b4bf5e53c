// A map of slots under one mutex: a key's slot lives while its leader calls, and the
// followers keep it alive (shared_ptr) until they have read the answer.
#include "cache/single_flight.hpp"

namespace leadscout::llm::detail {

SingleFlight::Seat SingleFlight::join(const std::string& key) {
  const std::lock_guard lock(mutex_);
  if (const auto it = flights_.find(key); it != flights_.end()) return Seat(it->second, false);
  auto slot = std::make_shared<Seat::Slot>();
  flights_.emplace(key, slot);
  return Seat(std::move(slot), true);
}

std::optional<CachedAnswer> SingleFlight::wait(const Seat& seat, std::stop_token stop) {
  std::unique_lock lock(mutex_);
  done_.wait(lock, stop, [&] { return seat.slot_->done; });
  if (!seat.slot_->done) return std::nullopt;
  return seat.slot_->answer;
}

void SingleFlight::finish(const std::string& key, std::optional<CachedAnswer> answer) {
  {
    const std::lock_guard lock(mutex_);
    const auto it = flights_.find(key);
    if (it == flights_.end()) return;
    it->second->answer = std::move(answer);
    it->second->done = true;
    flights_.erase(it);
  }
  done_.notify_all();
}

}  // namespace leadscout::llm::detail

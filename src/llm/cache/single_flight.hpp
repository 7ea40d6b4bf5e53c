// Identical requests in one process: the first one calls, the others wait for its answer.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "cache/cache_store.hpp"

namespace leadscout::llm::detail {

/// The calls in flight by key. Thread-safe.
class SingleFlight {
 public:
  /// A place in the flight of one key: its leader calls and finishes; the others wait.
  class Seat {
   public:
    Seat() = default;
    [[nodiscard]] bool leads() const noexcept { return leads_; }

   private:
    friend class SingleFlight;
    struct Slot {
      bool done = false;
      std::optional<CachedAnswer> answer;
    };
    Seat(std::shared_ptr<Slot> slot, bool leads) : slot_(std::move(slot)), leads_(leads) {}
    std::shared_ptr<Slot> slot_;
    bool leads_ = false;
  };

  /// Joins the flight of `key`: leads it when none is in flight, else follows the leader.
  [[nodiscard]] Seat join(const std::string& key);
  /// A follower's wait for the leader's answer: nullopt when the leader had none (ask again)
  /// or once `stop` is requested.
  [[nodiscard]] std::optional<CachedAnswer> wait(const Seat& seat, std::stop_token stop);
  /// The leader's end: wakes the followers of `key` with `answer` (nullopt: no answer).
  void finish(const std::string& key, std::optional<CachedAnswer> answer);

 private:
  std::mutex mutex_;
  std::condition_variable_any done_;
  std::map<std::string, std::shared_ptr<Seat::Slot>, std::less<>> flights_;
};

}  // namespace leadscout::llm::detail

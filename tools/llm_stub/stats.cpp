// The counters behind GET /stats.
#include "stats.hpp"

#include <nlohmann/json.hpp>

namespace leadscout::llm_stub {

void Stats::count(Event event) {
  const std::lock_guard lock(mutex_);
  ++events_.at(static_cast<std::size_t>(event));
}

int Stats::call(std::string_view provider, const std::string& name) {
  const std::lock_guard lock(mutex_);
  ++calls_by_name_[name];
  return ++attempts_[{std::string(provider), name}];
}

void Stats::answered(const std::string& name, std::int64_t tokens) {
  const std::lock_guard lock(mutex_);
  ++answered_;
  tokens_ += tokens;
  ++answered_by_name_[name];
}

std::string Stats::to_json() const {
  const std::lock_guard lock(mutex_);
  const auto n = [this](Event e) { return events_.at(static_cast<std::size_t>(e)); };
  nlohmann::ordered_json j = {{"requests", n(Event::request)},
                              {"answered", answered_},
                              {"rate_limited", n(Event::rate_limited)},
                              {"unauthorized", n(Event::unauthorized)},
                              {"bad_requests", n(Event::bad_request)},
                              {"errors", n(Event::error)},
                              {"hung", n(Event::hung)},
                              {"tokens", tokens_}};
  j["calls_by_name"] = calls_by_name_;
  j["answered_by_name"] = answered_by_name_;
  return j.dump();
}

}  // namespace leadscout::llm_stub

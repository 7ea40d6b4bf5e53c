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

void Stats::batch_created(std::string_view provider, std::int64_t rows, std::int64_t duplicate_rows) {
  const std::lock_guard lock(mutex_);
  auto it = batches_.find(provider);
  if (it == batches_.end()) it = batches_.emplace(std::string(provider), std::array<std::int64_t, 3>{}).first;
  it->second[0] += 1;
  it->second[1] += rows;
  it->second[2] += duplicate_rows;
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
  std::array<std::int64_t, 3> total{};
  nlohmann::ordered_json by_provider = nlohmann::ordered_json::object();
  for (const char* provider : {"openai", "anthropic"}) {
    const auto it = batches_.find(std::string_view(provider));
    const std::array<std::int64_t, 3> c = it == batches_.end() ? std::array<std::int64_t, 3>{} : it->second;
    by_provider[provider] = {{"created", c[0]}, {"rows", c[1]}, {"duplicate_rows", c[2]}};
    for (std::size_t i = 0; i < c.size(); ++i) total[i] += c[i];
  }
  j["batches_created"] = total[0];
  j["batch_rows"] = total[1];
  j["batch_duplicate_rows"] = total[2];
  j["calls_by_name"] = calls_by_name_;
  j["answered_by_name"] = answered_by_name_;
  j["batches_by_provider"] = by_provider;
  return j.dump();
}

}  // namespace leadscout::llm_stub

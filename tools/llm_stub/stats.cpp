// The counters behind GET /stats.
#include "stats.hpp"

#include <nlohmann/json.hpp>

namespace leadscout::llm_stub {

void Stats::request() {
  const std::lock_guard lock(mutex_);
  ++requests_;
}

void Stats::unauthorized() {
  const std::lock_guard lock(mutex_);
  ++unauthorized_;
}

void Stats::bad_request() {
  const std::lock_guard lock(mutex_);
  ++bad_requests_;
}

void Stats::rate_limited() {
  const std::lock_guard lock(mutex_);
  ++rate_limited_;
}

void Stats::error() {
  const std::lock_guard lock(mutex_);
  ++errors_;
}

void Stats::hung() {
  const std::lock_guard lock(mutex_);
  ++hung_;
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
  nlohmann::ordered_json j = {{"requests", requests_},         {"answered", answered_},
                              {"rate_limited", rate_limited_}, {"unauthorized", unauthorized_},
                              {"bad_requests", bad_requests_}, {"errors", errors_},
                              {"hung", hung_},                 {"tokens", tokens_}};
  j["calls_by_name"] = calls_by_name_;
  j["answered_by_name"] = answered_by_name_;
  return j.dump();
}

}  // namespace leadscout::llm_stub

// The item and result of the batch benchmarks' no-op runs: an id in, an int out, serialised as
// {"value": N} in the journal.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace leadscout::bench {

struct Item {
  std::string id;
};

struct Result {
  int value = 0;
};
inline void to_json(nlohmann::json& j, const Result& r) { j = nlohmann::json{{"value", r.value}}; }
inline void from_json(const nlohmann::json& j, Result& r) { j.at("value").get_to(r.value); }

}  // namespace leadscout::bench

// Shared set-up of the logging tests: a Config writing into a temporary tree.
#pragma once

#include <leadscout/log.hpp>

#include <nlohmann/json.hpp>

#include "utils.hpp"

namespace leadscout::test {

inline log::Config test_config(const TempDir& dir, const FakeClock* clock = nullptr) {
  log::Config cfg;
  cfg.dir = dir.path() / "logs";
  cfg.console = log::ConsoleMode::off;
  if (clock != nullptr) cfg.clock = [clock] { return clock->now(); };
  return cfg;
}

/// Every line of a JSON-lines file, parsed (a line that does not parse fails the test).
inline std::vector<nlohmann::json> read_json_lines(const std::filesystem::path& p) {
  std::vector<nlohmann::json> out;
  for (const auto& line : read_lines(p)) out.push_back(nlohmann::json::parse(line));
  return out;
}

/// Keys of a JSON line in the order they appear in the text.
inline std::vector<std::string> keys_in_order(const std::string& line) {
  std::vector<std::string> keys;
  nlohmann::json::parser_callback_t cb = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key) keys.push_back(parsed.get<std::string>());
    return true;
  };
  const auto parsed = nlohmann::json::parse(line, cb);
  (void)parsed;
  return keys;
}

}  // namespace leadscout::test

// Shared set-up of the logging tests: a Config writing into a temporary tree.
#pragma once

#include <leadscout/log.hpp>
#include <unistd.h>

#include <cstdio>

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

/// The parsed lines of the dated file `<folder>/<prefix>-*.log` of the tree (empty when none).
inline std::vector<nlohmann::json> read_dated(const TempDir& dir, std::string_view folder, std::string_view prefix) {
  const auto root = dir.path() / "logs" / folder;
  if (!std::filesystem::exists(root)) return {};
  for (const auto& e : std::filesystem::directory_iterator(root)) {
    if (e.path().filename().string().rfind(std::string(prefix) + "-", 0) == 0) return read_json_lines(e.path());
  }
  return {};
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

/// Runs fn with stderr captured into a file, and returns what was written.
template <class F>
std::string capture_stderr(F&& fn) {
  TempDir dir;
  const auto path = dir.path() / "stderr.txt";
  std::fflush(stderr);
  const int saved = ::dup(2);
  FILE* f = std::fopen(path.c_str(), "w");
  ::dup2(::fileno(f), 2);
  fn();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::fclose(f);
  return read_file(path);
}

}  // namespace leadscout::test

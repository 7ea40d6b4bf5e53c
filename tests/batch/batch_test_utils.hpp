// Helpers shared by the batch tests: items, options, journal and log reading.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <leadscout/batch.hpp>
#include <leadscout/log.hpp>

#include "utils.hpp"

namespace leadscout::test::batch {

namespace fs = std::filesystem;
namespace lb = leadscout::batch;
namespace ll = leadscout::log;

using leadscout::test::read_file;
using leadscout::test::read_lines;
using leadscout::test::ScopedEnv;
using leadscout::test::TempDir;

/// The journal's records (header skipped), parsed.
inline std::vector<nlohmann::json> journal_records(const fs::path& p) {
  std::vector<nlohmann::json> out;
  auto lines = read_lines(p);
  for (std::size_t i = 1; i < lines.size(); ++i) out.push_back(nlohmann::json::parse(lines[i]));
  return out;
}

/// Number of ok records per id in a journal.
inline std::map<std::string, int> ok_counts(const fs::path& journal) {
  std::map<std::string, int> counts;
  for (const auto& r : journal_records(journal)) {
    if (r.at("status") == "ok") ++counts[r.at("id").get<std::string>()];
  }
  return counts;
}

struct Item {
  std::string id;
  int value = 0;
};

struct Out {
  int doubled = 0;
  std::string note;
};
inline void to_json(nlohmann::json& j, const Out& o) { j = nlohmann::json{{"doubled", o.doubled}, {"note", o.note}}; }
inline void from_json(const nlohmann::json& j, Out& o) {
  j.at("doubled").get_to(o.doubled);
  j.at("note").get_to(o.note);
}

inline std::vector<Item> make_items(int n, const std::string& prefix = "item-") {
  std::vector<Item> items;
  items.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) items.push_back(Item{prefix + std::to_string(i), i});
  return items;
}

/// Options for a deterministic run: manual clock, files in `dir`, no signal handlers, no bar.
inline lb::Options test_options(const fs::path& dir, std::shared_ptr<lb::Clock> clock = nullptr) {
  lb::Options opt;
  opt.operation = "test_op";
  opt.progress_dir = dir / "progress";
  opt.concurrency = 1;
  opt.handle_signals = false;
  opt.progress_bar = lb::ProgressBarMode::off;
  opt.seed = 42;
  opt.retry.jitter = false;
  if (clock) {
    opt.clock = std::move(clock);
    opt.progress_interval = std::chrono::hours(1);
    opt.checkpoint_interval = std::chrono::hours(1);
  }
  return opt;
}

/// Starts logging into <dir>/logs/all.log (every logger, every level, JSON lines).
inline fs::path init_logging(const fs::path& dir) {
  ll::Config cfg;
  cfg.dir = dir / "logs";
  cfg.console = ll::ConsoleMode::off;
  cfg.level = ll::Level::trace;
  cfg.routes = {ll::Route{"all.log", {}, ll::Level::trace, ll::Level::critical, ll::Format::json}};
  ll::init(cfg);
  return cfg.dir / "all.log";
}

/// Every logged event with this `event` name (after flushing).
inline std::vector<nlohmann::json> events(const fs::path& log_file, const std::string& event) {
  ll::flush();
  std::vector<nlohmann::json> out;
  for (const auto& line : read_lines(log_file)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == event) out.push_back(j);
  }
  return out;
}

/// Calls `run` while a thread advances `clock` by `step` every millisecond (at most 20,000
/// times), for runs whose waits are not idle ones a manual clock would skip on its own.
template <class F>
auto run_advancing(lb::ManualClock& clock, std::chrono::milliseconds step, F run) {
  std::atomic<bool> done{false};
  std::thread ticker([&] {
    for (int i = 0; i < 20000 && !done.load(); ++i) {
      clock.advance(step);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  auto result = run();
  done = true;
  ticker.join();
  return result;
}

}  // namespace leadscout::test::batch

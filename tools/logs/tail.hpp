// `leadscout-logs tail [-f]`: today's files of a log tree, followed as they grow (internal).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>

#include "pipeline.hpp"

namespace leadscout::logs_tool {

struct TailOptions {
  std::string dir = "logs";
  bool follow = false;
  std::size_t lines = 10;
  std::chrono::milliseconds interval{500};
  bool pretty = false;
  DedupMode dedup = DedupMode::routes;
  FilterSpec filter;
  std::size_t corrupt_shown = 10;
};

/// What `tail` needs from the outside world, injectable for tests.
struct TailHooks {
  std::function<std::string()> today;                     ///< current date, YYYY-MM-DD
  std::function<void(std::chrono::milliseconds)> sleep;   ///< wait one polling interval
  std::function<bool()> stop;                             ///< true once it should exit
};

/// `tail [-f]`: the last lines of today's dated files, then (follow) new lines as they are
/// written, moving on to the next day's files when the date changes. Returns when not following,
/// or when hooks.stop() turns true. Throws PathError when the directory is missing.
int run_tail(const TailOptions& opt, const TailHooks& hooks, std::ostream& out,
             std::ostream& err);

}  // namespace leadscout::logs_tool

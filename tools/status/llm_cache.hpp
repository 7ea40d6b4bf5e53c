// leadscout-status: what the LLM response cache spared, from the business counters a run's
// llm::Client adds to its progress file (llm_cache_hits, _misses, _saved_usd_micros).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "leadscout/batch/progress.hpp"

namespace leadscout::status {

/// The cache's figures of one file, or of an operation's shards summed.
struct LlmCacheFigures {
  std::int64_t hits = 0;    ///< requests answered from the cache
  std::int64_t misses = 0;  ///< requests that called
  double saved_usd = 0;     ///< what the hits would have cost
  [[nodiscard]] bool any() const noexcept { return hits > 0 || misses > 0; }
};

/// The figures in `snapshot`'s metrics; all 0 for a run without a cache.
[[nodiscard]] LlmCacheFigures llm_cache_of(const batch::ProgressSnapshot& snapshot);

/// Adds `more` to `into`.
void add(LlmCacheFigures& into, const LlmCacheFigures& more);

/// "OPERATION LLM cache: 800 hits, 200 misses (80.0% answered from the cache), $0.0168 saved\n";
/// empty without figures.
[[nodiscard]] std::string llm_cache_line(std::string_view operation, const LlmCacheFigures& figures);

/// {"hits", "misses", "saved_usd"}.
[[nodiscard]] nlohmann::json llm_cache_json(const LlmCacheFigures& figures);

}  // namespace leadscout::status

// The counters are the names leadscout::llm gives them; the money is kept in millionths of a
// dollar there, as business counters are whole numbers.
#include "llm_cache.hpp"

#include <cstdio>

#include "quota.hpp"

namespace leadscout::status {

namespace {

std::int64_t metric(const batch::ProgressSnapshot& s, std::string_view name) {
  const auto it = s.metrics.find(name);
  return it == s.metrics.end() ? 0 : it->second;
}

}  // namespace

LlmCacheFigures llm_cache_of(const batch::ProgressSnapshot& s) {
  return LlmCacheFigures{.hits = metric(s, "llm_cache_hits"),
                         .misses = metric(s, "llm_cache_misses"),
                         .saved_usd = static_cast<double>(metric(s, "llm_cache_saved_usd_micros")) / 1e6};
}

void add(LlmCacheFigures& into, const LlmCacheFigures& more) {
  into.hits += more.hits;
  into.misses += more.misses;
  into.saved_usd += more.saved_usd;
}

std::string llm_cache_line(std::string_view operation, const LlmCacheFigures& f) {
  if (!f.any()) return {};
  char share[64];
  std::snprintf(share, sizeof share, " (%.1f%% answered from the cache), ",
                100.0 * static_cast<double>(f.hits) / static_cast<double>(f.hits + f.misses));
  return std::string(operation) + " LLM cache: " + std::to_string(f.hits) + " hits, " + std::to_string(f.misses) +
         " misses" + share + usd(f.saved_usd) + " saved\n";
}

nlohmann::json llm_cache_json(const LlmCacheFigures& f) {
  return {{"hits", f.hits}, {"misses", f.misses}, {"saved_usd", f.saved_usd}};
}

}  // namespace leadscout::status

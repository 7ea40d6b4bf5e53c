// What a call tells the operator: one "LLM call" event on the `api` logger with the
// OpenTelemetry GenAI attribute names, the GenAI client histograms of the run's Prometheus
// exposition, and the failovers.
#pragma once

#include <cstddef>
#include <string_view>

#include "cache/cache_store.hpp"
#include "call.hpp"
#include "endpoint.hpp"
#include "leadscout/batch/context.hpp"
#include "leadscout/log/logger.hpp"

namespace leadscout::llm::detail {

/// Logs `call` to `endpoint` (DEBUG when it answered, WARNING otherwise) and adds it to the
/// token-usage and operation-duration histograms.
void record_call(const log::Logger& api, batch::Context& ctx, const ResolvedEndpoint& endpoint, std::size_t index,
                 const CallResult& call);

/// Logs an answer from the response cache (`outcome: "cached"`, DEBUG) that spared a call to
/// `endpoint`, and counts it with the money it saved: leadscout_llm_cache_hits_total and
/// _saved_usd_total, and the business counters llm_cache_hits and llm_cache_saved_usd_micros of
/// the progress file.
void record_cache_hit(const log::Logger& api, batch::Context& ctx, const ResolvedEndpoint& endpoint, std::size_t index,
                      const CachedAnswer& answer, std::string_view backend);

/// Counts a request the cache could not answer (it calls): leadscout_llm_cache_misses_total and
/// the business counter llm_cache_misses.
void record_cache_miss(batch::Context& ctx, std::string_view backend);

/// Logs and counts a move of calls from endpoint `from` to `to` because of `why`.
void record_failover(const log::Logger& api, batch::Context& ctx, const ResolvedEndpoint& from, std::size_t from_index,
                     const ResolvedEndpoint& to, std::size_t to_index, std::string_view why, bool cooling);

}  // namespace leadscout::llm::detail

// What a call tells the operator: one "LLM call" event on the `api` logger with the
// OpenTelemetry GenAI attribute names, the GenAI client histograms of the run's Prometheus
// exposition, and the failovers.
#pragma once

#include <cstddef>
#include <string_view>

#include "call.hpp"
#include "endpoint.hpp"
#include "leadscout/batch/context.hpp"
#include "leadscout/log/logger.hpp"

namespace leadscout::llm::detail {

/// Logs `call` to `endpoint` (DEBUG when it answered, WARNING otherwise) and adds it to the
/// token-usage and operation-duration histograms.
void record_call(const log::Logger& api, batch::Context& ctx, const ResolvedEndpoint& endpoint, std::size_t index,
                 const CallResult& call);

/// Logs and counts a move of calls from endpoint `from` to `to` because of `why`.
void record_failover(const log::Logger& api, batch::Context& ctx, const ResolvedEndpoint& from, std::size_t from_index,
                     const ResolvedEndpoint& to, std::size_t to_index, std::string_view why, bool cooling);

}  // namespace leadscout::llm::detail

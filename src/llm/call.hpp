// One HTTP call to one endpoint under a permit of its quota, and what the answer means for
// the run: settle, wait for the rate limit, halt, fail the item, or move to another endpoint.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "endpoint.hpp"
#include "leadscout/batch/context.hpp"
#include "leadscout/batch/outcome.hpp"
#include "wire/chat_wire.hpp"

namespace leadscout::llm::detail {

/// What one call came to.
struct CallResult {
  std::optional<wire::ChatAnswer> answer;  ///< a 200 that parsed
  batch::Failure failure;                  ///< when there is no answer
  /// The endpoint is failing (5xx, connection, timeout): another may answer this call.
  bool endpoint_failed = false;
  /// The provider asked for a wait longer than this call has: skip the endpoint until then.
  std::optional<batch::Clock::time_point> cool_until;
  bool sent = false;     ///< a permit was granted and the request sent
  int status = 0;        ///< the HTTP status, 0 without a response
  std::string outcome;   ///< "ok", "server_error", "rate_limited", ... (the event's outcome)
  std::string error;     ///< what went wrong, for the log (never the key)
  double latency_s = 0;
  double cost_usd = 0;
};

/// Tokens `request` may use: its text at about 4 characters a token, plus max_tokens.
[[nodiscard]] std::int64_t estimate_tokens(const wire::ChatRequest& request);

/// Sends `request` to `endpoint` under a permit of its quota, bounded by `timeout` and by the
/// item's deadline and stop token.
[[nodiscard]] CallResult call_endpoint(const ResolvedEndpoint& endpoint, const wire::ChatRequest& request,
                                       batch::Context& ctx, std::chrono::milliseconds timeout);

}  // namespace leadscout::llm::detail

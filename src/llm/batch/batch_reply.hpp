// Batch mode's requests and answers: the chat request a batch line carries, and the Reply an
// answered row gives, priced at the batch price and checked against the request's schema.
#pragma once

#include <string>

#include "batch/batch_api.hpp"
#include "client_state.hpp"
#include "endpoint.hpp"
#include "wire/chat_wire.hpp"

namespace leadscout::llm::detail {

/// The chat request of `request` for `endpoint`; `schema_error` names a schema that cannot be
/// sent ("invalid_schema: ...").
[[nodiscard]] wire::ChatRequest chat_request(ClientState& client, const ResolvedEndpoint& endpoint, const Request& request,
                                             std::string& schema_error);

/// The Reply of `row` (answered with 200) for item `id`. `request` is null when the pipeline's
/// request threw (`request_error`): the call is still charged, and the item fails.
[[nodiscard]] Reply row_reply(ClientState& client, const ResolvedEndpoint& endpoint, Api api, const std::string& id,
                              const Request* request, const std::string& request_error, const BatchRow& row);

}  // namespace leadscout::llm::detail

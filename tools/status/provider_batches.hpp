// leadscout-status: the provider batches a run in batch mode (leadscout::llm) waits for, one
// line each under the table.
#pragma once

#include <string>

#include "aggregate.hpp"

namespace leadscout::status {

/// "OPERATION batch ID: in progress, 120 of 10000 rows done (2 failed), age 5m03s, 1m02s in
/// this status\n" for each batch of each shard; an active shard's ages run on from its last
/// heartbeat.
[[nodiscard]] std::string provider_batch_lines(const OperationRow& row);

}  // namespace leadscout::status

#include "provider_batches.hpp"

#include <algorithm>

#include "duration_text.hpp"

namespace leadscout::status {

std::string provider_batch_lines(const OperationRow& row) {
  std::string out;
  for (const ShardRow& shard : row.shards) {
    const lb::ProgressSnapshot& s = shard.source->snapshot;
    // The file is as old as its heartbeat: a running batch has aged since.
    const double since = is_active(s.status) ? shard.heartbeat_age_seconds : 0.0;
    for (const lb::BatchReport& b : s.batches) {
      std::string status = b.status.empty() ? "not polled yet" : b.status;
      std::replace(status.begin(), status.end(), '_', ' ');
      out += row.operation + " batch " + b.id + ": " + status + ", " + std::to_string(b.completed) + " of " +
             std::to_string(b.requests) + " rows done";
      if (b.failed > 0) out += " (" + std::to_string(b.failed) + " failed)";
      out += ", age " + common::format_short_duration(b.age_seconds + since) + ", " +
             common::format_short_duration(b.status_seconds + since) + " in this status\n";
    }
  }
  return out;
}

}  // namespace leadscout::status

// BatchRunner: when each batch is polled, what its status changes say, and how the open batches
// are shown and cancelled.
#include "batch/batch_runner.hpp"

#include <algorithm>

namespace leadscout::llm::detail {

using std::chrono::milliseconds;

void BatchRunner::schedule(Open& open, batch::Clock::time_point now) {
  open.interval = std::clamp(open.interval * 2, milliseconds(1), options_.poll_interval);
  std::uniform_int_distribution<long long> spread(0, open.interval.count() / 10);
  open.next_poll = now + open.interval - milliseconds(spread(jitter_));
}

// A batch runs for up to its 24-hour window; any other status (validating, finalizing,
// cancelling) should pass within minutes, and one that does not is worth a person's look.
void BatchRunner::watch(Open& open, const BatchStatus& status, batch::Clock::time_point now) {
  open.completed = static_cast<std::uint64_t>(std::max<std::int64_t>(status.completed, 0));
  open.failed = static_cast<std::uint64_t>(std::max<std::int64_t>(status.failed, 0));
  if (status.status != open.status) {
    client_.api.info("LLM batch status", {{"batch_id", open.batch}, {"status", status.status},
                                          {"completed", status.completed}, {"failed", status.failed},
                                          {"total", status.total}});
    open.status = status.status;
    open.status_since = now;
    open.warned = false;
    return;
  }
  const milliseconds limit = status.status == "in_progress" ? milliseconds(std::chrono::hours(25)) : options_.poll_interval * 60;
  if (open.warned || now - open.status_since < limit) return;
  open.warned = true;
  client_.api.warning("LLM batch stuck", {{"batch_id", open.batch}, {"status", status.status},
                                          {"in_status_s", std::chrono::duration_cast<std::chrono::seconds>(now - open.status_since).count()},
                                          {"completed", status.completed}, {"total", status.total}});
}

void BatchRunner::cancel_open() {
  for (const Open& open : open_) {
    if (open.batch.empty()) continue;
    const BatchStatus status = api_->cancel(open.batch);
    if (status.error.empty()) {
      client_.api.warning("LLM batch cancelled", {{"batch_id", open.batch}, {"chunk", open.chunk}});
    } else {
      client_.api.error("LLM batch not cancelled", {{"batch_id", open.batch}, {"error", status.error}});
    }
  }
}

void BatchRunner::show(DeferredPort& port) const {
  std::vector<batch::detail::DeferredBatch> batches;
  batches.reserve(open_.size());
  for (const Open& o : open_) {
    batches.push_back({.id = o.batch, .status = o.status, .requests = o.ids.size(), .completed = o.completed,
                       .failed = o.failed, .created = o.created, .status_since = o.status_since});
  }
  port.show(std::move(batches));
}

}  // namespace leadscout::llm::detail

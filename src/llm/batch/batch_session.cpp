// BatchSession: llm::run's batch mode seen from the template, through the runner.
#include "batch/batch_runner.hpp"
#include "telemetry.hpp"

namespace leadscout::llm::detail {

BatchSession::BatchSession(Client& client, const RunOptions& options, std::function<Request(const void*)> request_of,
                           std::function<bool(const void*)> answered_locally)
    : runner_(std::make_unique<BatchRunner>(*client.state_, options, std::move(request_of), std::move(answered_locally))) {}

BatchSession::~BatchSession() = default;

batch::detail::DeferredRunner& BatchSession::runner() noexcept { return *runner_; }

const Reply* BatchSession::current() const noexcept { return runner_->current(); }

// At collection, with the reported usage: a finished row is never counted at $0, and the
// journal carries the spend into the budget of a resumed run. The batch reserved the row's
// estimate when it was made; the runner returns it once this charge is in.
void BatchSession::charge(batch::Context& ctx) const {
  const Reply* reply = runner_->current();
  if (reply == nullptr) return;
  const BatchCache& cache = runner_->cache();
  if (const auto& hit = runner_->current_hit()) {
    record_cache_hit(runner_->log(), ctx, runner_->endpoint(), 0, *hit, cache.backend());
    return;  // no call was made: no permit, $0
  }
  if (cache.enabled() && reply->ok()) record_cache_miss(ctx, cache.backend());
  const batch::Usage used{.tokens = reply->usage().input_tokens + reply->usage().output_tokens, .cost_usd = reply->cost_usd()};
  if (used.tokens == 0 && used.cost_usd == 0) return;
  ctx.charge(runner_->endpoint().spec.quota, used);
}

}  // namespace leadscout::llm::detail

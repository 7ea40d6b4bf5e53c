// QuotaState with a quota shared between shards: asking the store, falling back to the local
// share while it is lost, and the overload signal and spend the shards exchange.
#include <algorithm>

#include "quota_state.hpp"

namespace leadscout::batch::detail {

bool QuotaState::admit_shared(std::unique_lock<std::mutex>& lock, const Usage& estimate, Admission& a) {
  // The operation's limits: configured, else learned from the headers.
  Quota limits = quota_;
  if (limits.requests_per_minute <= 0) limits.requests_per_minute = learned_rpm_;
  if (limits.tokens_per_minute <= 0) limits.tokens_per_minute = learned_tpm_;
  lock.unlock();
  // Held until the caller, under mu_, has counted a granted permit in reserved_usd_: a settle
  // that restates the reservations meanwhile would leave it out.
  const std::lock_guard<std::mutex> store_guard(store_mu_);
  lock.lock();
  const SharedHolding mine{.reserved_usd = quota_.budget_usd > 0 ? reserved_usd_ + held_usd_ : 0.0, .spent_usd = spent_usd_};
  lock.unlock();
  const SharedTake t = shared_->take(limits, tokens_of(estimate), estimate.cost_usd, mine);
  lock.lock();
  const Clock::time_point now = clock_->now();
  if (t.status == SharedTake::Status::unavailable) {
    if (!shared_on_) return true;  // still lost: the local admission stands
    a.grant = false;
    enter_fallback(now);
    a.wake = now;  // admitted again, on the local share
    return false;
  }
  a.grant = false;
  shared_on_ = true;
  shared_spent_ = t.spent_usd + unpushed_usd_;
  shared_report_.connected = true;
  shared_report_.requests_last_minute = t.requests_last_minute;
  shared_report_.tokens_last_minute = t.tokens_last_minute;
  shared_report_.spent_usd = shared_spent_;
  shared_report_.reserved_usd = t.reserved_usd;
  note_overloads(t.overloads, false);
  switch (t.status) {
    case SharedTake::Status::granted:
      a.grant = true;
      return true;
    case SharedTake::Status::wait:
      a.wake = now + std::max<Clock::duration>(t.wait, std::chrono::milliseconds(1));
      return false;
    default:
      budget_exhausted_ = true;  // the next admit() refuses
      a.never = true;
      return false;
  }
}

void QuotaState::enter_fallback(Clock::time_point now) noexcept {
  shared_on_ = false;
  shared_report_.connected = false;
  ++shared_fallbacks_;
  // The store's buckets may be empty: the local share starts empty too, so no burst follows.
  requests_.set_level(0.0, now);
  tokens_.set_level(0.0, now);
  outage_allowance_ = std::max(0.0, quota_.budget_usd - shared_spent_) / shard_count_;
  outage_spent_ = 0;
  cv_.notify_all();
}

void QuotaState::note_overloads(std::uint64_t overloads, bool own) noexcept {
  // Another shard's rate limit or timeout shrinks this shard's in-flight limit too.
  if (overloads_known_ && overloads > overloads_seen_ && !own && adaptive_) aimd_.on_overload();
  if (!overloads_known_ || overloads > overloads_seen_) overloads_seen_ = overloads;
  overloads_known_ = true;
}

void QuotaState::push_settled(double extra_tokens, double cost_usd) noexcept {
  Quota limits = quota_;
  double cost = cost_usd;
  double reserved = 0;
  {
    const std::lock_guard<std::mutex> guard(mu_);
    if (limits.tokens_per_minute <= 0) limits.tokens_per_minute = learned_tpm_;
    cost += unpushed_usd_;
    unpushed_usd_ = 0;
    reserved = reserved_usd_ + held_usd_;
  }
  // Without a budget nothing is reserved, and a call that changed nothing need not be told.
  if (extra_tokens == 0.0 && cost == 0.0 && quota_.budget_usd <= 0) return;
  if (shared_->settle(limits, extra_tokens, cost, quota_.budget_usd > 0 ? reserved : 0.0)) return;
  const std::lock_guard<std::mutex> guard(mu_);
  unpushed_usd_ += cost;  // told when the store is back
}

}  // namespace leadscout::batch::detail

// QuotaState's budget beyond permits: spend from earlier runs, holds for work sent away (a
// provider's batch) and spend that took no permit (its rows).
#include <algorithm>

#include "quota_state.hpp"

namespace leadscout::batch::detail {

QuotaState::BudgetView QuotaState::budget_view() const noexcept {
  // A shared quota counts the operation's spend; while its store is lost, the shard may add only
  // its share of what was left.
  const bool outage = shared_ && !shared_on_;
  return BudgetView{.spent = !shared_ ? spent_usd_ : outage ? outage_spent_ : shared_spent_,
                    .budget = outage ? outage_allowance_ : quota_.budget_usd};
}

Reservation QuotaState::reserve_budget(double cost_usd, bool force) {
  const double cost = cleaned(Usage{.cost_usd = cost_usd}).cost_usd;
  if (quota_.budget_usd <= 0 || cost == 0) return Reservation::granted;
  const auto turn = store_turn();
  {
    const std::lock_guard<std::mutex> guard(mu_);
    const BudgetView b = budget_view();
    // A shared quota's reservations are every shard's, as the store last said.
    double reserved = reserved_usd_ + held_usd_;
    if (shared_ && shared_on_) reserved = std::max(reserved, shared_report_.reserved_usd);
    if (!force && (budget_exhausted_ || b.spent + cost > b.budget + kBudgetSlack)) return Reservation::never;
    if (!force && b.spent + reserved + cost > b.budget + kBudgetSlack) return Reservation::later;
    held_usd_ += cost;
  }
  if (shared_) push_settled(0.0, 0.0);  // the other shards see the hold
  return Reservation::granted;
}

void QuotaState::release_budget(double cost_usd) noexcept {
  const double cost = cleaned(Usage{.cost_usd = cost_usd}).cost_usd;
  if (quota_.budget_usd <= 0 || cost == 0) return;
  const auto turn = store_turn();
  {
    const std::lock_guard<std::mutex> guard(mu_);
    held_usd_ = std::max(0.0, held_usd_ - cost);
    cv_.notify_all();
  }
  if (shared_) push_settled(0.0, 0.0);
}

Usage QuotaState::charge(Usage used) noexcept {
  used = cleaned(used);
  const auto turn = store_turn();
  {
    const std::lock_guard<std::mutex> guard(mu_);
    add_spend(used);
  }
  if (shared_) push_settled(0.0, used.cost_usd);
  return used;
}

void QuotaState::exhaust_budget() noexcept {
  const std::lock_guard<std::mutex> guard(mu_);
  budget_exhausted_ = true;
  cv_.notify_all();  // waiting permits are refused now
}

void QuotaState::add_prior_usage(Usage usage) noexcept {
  usage = cleaned(usage);
  const std::lock_guard<std::mutex> guard(mu_);
  tokens_total_ += usage.tokens;
  spent_usd_ += usage.cost_usd;
}

bool QuotaState::budget_exhausted() const noexcept {
  const std::lock_guard<std::mutex> guard(mu_);
  return budget_exhausted_;
}

}  // namespace leadscout::batch::detail

#include "batch/batch_budget.hpp"

#include <numeric>

namespace leadscout::llm::detail {

using batch::detail::Reservation;

std::size_t BatchBudget::reserve(DeferredPort& port, std::span<const double> costs, bool& wait) {
  wait = false;
  std::size_t n = costs.size();
  while (n > 0) {
    const double cost = std::accumulate(costs.begin(), costs.begin() + static_cast<std::ptrdiff_t>(n), 0.0);
    const Reservation r = port.reserve(quota_, cost, false);
    if (r == Reservation::granted) return n;
    if (n == 1) {
      // Spend only grows: a row that does not fit beside it never will.
      if (r == Reservation::never) port.budget_exhausted(quota_);
      wait = r == Reservation::later;
      return 0;
    }
    n = (n + 1) / 2;
  }
  return 0;
}

Reservation BatchBudget::fits(DeferredPort& port, double cost) {
  const Reservation r = port.reserve(quota_, cost, false);
  if (r == Reservation::granted) port.release(quota_, cost);
  if (r == Reservation::never) port.budget_exhausted(quota_);
  return r;
}

void BatchBudget::force(DeferredPort& port, std::span<const double> costs) {
  const double cost = std::accumulate(costs.begin(), costs.end(), 0.0);
  if (cost > 0) (void)port.reserve(quota_, cost, true);
}

void BatchBudget::hold(const std::string& id, double cost) {
  if (cost > 0) held_[id] = cost;
}

void BatchBudget::release(DeferredPort& port, const std::string& id) {
  const auto it = held_.find(id);
  if (it == held_.end()) return;
  port.release(quota_, it->second);
  held_.erase(it);
}

void BatchBudget::release_all(DeferredPort& port) {
  double cost = 0;
  for (const auto& [id, held] : held_) cost += held;
  if (cost > 0) port.release(quota_, cost);
  held_.clear();
}

}  // namespace leadscout::llm::detail

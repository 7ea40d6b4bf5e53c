// Usage charged by the permits of one attempt.
#include "usage_ledger.hpp"

namespace leadscout::batch::detail {

void UsageLedger::add(std::string_view quota, Usage charged) {
  if (charged.tokens == 0 && charged.cost_usd == 0) return;
  const std::lock_guard<std::mutex> guard(mu_);
  for (auto& [name, usage] : entries_) {
    if (name == quota) {
      usage.tokens += charged.tokens;
      usage.cost_usd += charged.cost_usd;
      return;
    }
  }
  entries_.emplace_back(std::string(quota), charged);
}

void UsageLedger::take(UsageList& out) {
  out.clear();
  const std::lock_guard<std::mutex> guard(mu_);
  out.swap(entries_);
}

}  // namespace leadscout::batch::detail

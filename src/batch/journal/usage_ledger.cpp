// Usage charged by the permits of one attempt.
#include "usage_ledger.hpp"

namespace leadscout::batch::detail {

void add_usage(UsageList& list, std::string_view quota, const Usage& charged) {
  for (auto& [name, usage] : list) {
    if (name == quota) {
      usage.tokens += charged.tokens;
      usage.cost_usd += charged.cost_usd;
      return;
    }
  }
  list.emplace_back(std::string(quota), charged);
}

void UsageLedger::add(std::string_view quota, Usage charged) {
  if (charged.tokens == 0 && charged.cost_usd == 0) return;
  const std::lock_guard<std::mutex> guard(mu_);
  add_usage(entries_, quota, charged);
}

void UsageLedger::take(UsageList& out) {
  out.clear();
  const std::lock_guard<std::mutex> guard(mu_);
  out.swap(entries_);
}

}  // namespace leadscout::batch::detail

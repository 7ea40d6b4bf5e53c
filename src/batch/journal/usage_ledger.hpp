// What the permits of one attempt charged, by quota: the journal records it with the attempt,
// so that a resumed run knows what the operation has spent.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leadscout/batch/quota.hpp"

namespace leadscout::batch::detail {

using UsageList = std::vector<std::pair<std::string, Usage>>;

/// Adds `charged` to the entry of `quota` in `list`, creating it when missing.
void add_usage(UsageList& list, std::string_view quota, const Usage& charged);

/// Thread-safe: a permit may be settled on another thread than the one that took it.
class UsageLedger {
 public:
  /// Adds `charged` to the quota's entry.
  void add(std::string_view quota, Usage charged);
  /// Moves the entries out into `out` (cleared first), leaving the ledger empty.
  void take(UsageList& out);

 private:
  std::mutex mu_;
  UsageList entries_;
};

}  // namespace leadscout::batch::detail

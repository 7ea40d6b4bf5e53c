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

// Wrapper of the documentation's batch fragments that use an `opt` already set up.
#include <leadscout/batch.hpp>

#include <cstdio>
#include <ranges>
#include <string>
#include <string_view>
#include <vector>

#include "doc_types.hpp"

namespace lb = leadscout::batch;

int main() {
  std::vector<Lead> leads = {{"1", "DIEMBY LUBAMBO"}};
  const auto classify = [](const Lead&, lb::Context&) -> lb::Outcome<Classification> {
    return Classification{"african", 0.85};
  };
  lb::Options opt;
  // @example@
}

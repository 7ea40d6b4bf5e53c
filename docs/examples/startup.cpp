// Wrapper of the documentation's start-up fragments: a processor and its items are set up,
// the fragment starts logging, the endpoint and the run.
#include <leadscout/batch.hpp>
#include <leadscout/log.hpp>
#include <leadscout/monitor.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "doc_types.hpp"

namespace ll = leadscout::log;
namespace lb = leadscout::batch;
namespace lm = leadscout::monitor;

int main() {
  const std::vector<Lead> items = {{"1", "DIEMBY LUBAMBO"}};
  const auto classify = [](const Lead&, lb::Context&) -> lb::Outcome<Classification> {
    return Classification{"african", 0.85};
  };
  lb::Options opt;
  lb::BackgroundProcessor<Lead, Classification> proc(opt);
  // @example@
}

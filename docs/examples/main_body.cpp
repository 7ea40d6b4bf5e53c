// Wrapper of the documentation's fragments that are statements: they run inside main(), with
// the names the docs use for a lead, its classification and the classifying callback.
#include <leadscout/batch.hpp>
#include <leadscout/log.hpp>
#include <leadscout/monitor.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "doc_types.hpp"

namespace ll = leadscout::log;
namespace lb = leadscout::batch;
namespace lm = leadscout::monitor;

int main() {
  std::vector<Lead> leads = {{"1", "DIEMBY LUBAMBO"}};
  const bool rate_limited = false;
  const auto fake_now = std::chrono::system_clock::now();
  const auto classify = [](const Lead&, lb::Context&) -> lb::Outcome<Classification> {
    return Classification{"african", 0.85};
  };
  (void)rate_limited, (void)fake_now, (void)classify;
  // @example@
  return 0;
}

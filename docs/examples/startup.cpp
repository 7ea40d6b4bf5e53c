// Wrapper of the documentation's start-up fragments: a processor and its items are set up,
// the fragment starts logging, the endpoint and the run.
#include <leadscout/batch.hpp>
#include <leadscout/log.hpp>
#include <leadscout/monitor.hpp>

#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ll = leadscout::log;
namespace lb = leadscout::batch;
namespace lm = leadscout::monitor;

struct Lead {
  std::string id;
  std::string name;
};

struct Classification {
  std::string label;
  double confidence = 0.0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Classification, label, confidence)

int main() {
  const std::vector<Lead> items = {{"1", "DIEMBY LUBAMBO"}};
  const auto classify = [](const Lead&, lb::Context&) -> lb::Outcome<Classification> {
    return Classification{"african", 0.85};
  };
  lb::Options opt;
  lb::BackgroundProcessor<Lead, Classification> proc(opt);
  // @example@
}

// Wrapper of the documentation's batch fragments that use an `opt` already set up.
#include <leadscout/batch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lb = leadscout::batch;

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
  std::vector<Lead> leads = {{"1", "DIEMBY LUBAMBO"}};
  const auto classify = [](const Lead&, lb::Context&) -> lb::Outcome<Classification> {
    return Classification{"african", 0.85};
  };
  lb::Options opt;
  // @example@
}

// Wrapper of the documentation's quota fragments: a provider call made under a Permit.
#include <leadscout/batch.hpp>
#include <leadscout/batch/quota.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "doc_types.hpp"

namespace lb = leadscout::batch;

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  long total_tokens = 0;
  double cost_usd = 0.0;
  long retry_after_ms = 0;
  std::string label;
};

Response call_provider(const Lead& lead) { return Response{200, {}, 700, 0.0004, 0, lead.name}; }

lb::Outcome<std::string> classify_under(lb::Permit permit, const Lead& lead) {
  // @example@
}

int main() { (void)classify_under(lb::Permit{}, Lead{"1", "DIEMBY LUBAMBO"}); }

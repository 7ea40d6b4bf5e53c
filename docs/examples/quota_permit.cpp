// Wrapper of the documentation's quota example: a whole run whose callback calls a provider
// under a Permit.
#include <leadscout/batch.hpp>

#include <chrono>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "doc_types.hpp"

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  long total_tokens = 0;
  double cost_usd = 0.0;
  long retry_after_ms = 0;
  std::string label;
};

Response call_provider(const Lead& lead, std::stop_token) { return Response{200, {}, 700, 0.0004, 0, lead.name}; }

int run_batch(const std::vector<Lead>& leads) {
  // @example@
}

int main() { return run_batch({{"1", "DIEMBY LUBAMBO"}}) == 0 ? 0 : 1; }

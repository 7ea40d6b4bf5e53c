// Wrapper of the documentation's leadscout::llm examples: statements inside main(), whose
// return is the example's, with a Lead, a Label and the leads they classify.
#include <leadscout/batch.hpp>
#include <leadscout/llm.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "doc_types.hpp"

int main() {
  const std::vector<Lead> leads = {{"1", "DIEMBY LUBAMBO"}};
  // @example@
}

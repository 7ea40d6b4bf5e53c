// Wrapper of the documentation's fragments that set a member of an llm::Pipeline: statements
// inside main(), with a pipeline of Leads to Labels to set it on.
#include <leadscout/batch.hpp>
#include <leadscout/llm.hpp>

#include <optional>
#include <string>

#include "doc_types.hpp"

namespace lb = leadscout::batch;
namespace llm = leadscout::llm;

int main() {
  llm::Pipeline<Lead, Label> pipeline;
  // @example@
  return pipeline.local ? 0 : 1;
}

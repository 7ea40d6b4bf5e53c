// The demo's CSV lead reader: accepts or throws CsvError naming a line, never crashes.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "leads.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const auto leads = demo::parse_leads_csv(in, "fuzz.csv");
    for (const auto& lead : leads) {
      if (lead.id.empty() || lead.name.empty()) std::abort();
    }
  } catch (const demo::CsvError&) {
  }
  return 0;
}

// The schema check on any schema and any answer: a schema outside the subset is a
// leadscout::Error, never a crash, and check() of any value never throws. The input is the
// schema's text, a NUL byte, then the value's text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "leadscout/error.hpp"
#include "leadscout/llm/schema.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\0');
  const std::string_view schema_text = input.substr(0, split);
  const std::string_view value_text = split == std::string_view::npos ? std::string_view() : input.substr(split + 1);
  try {
    const leadscout::llm::Schema schema(schema_text);
    const nlohmann::json value = nlohmann::json::parse(value_text, nullptr, false);
    if (!value.is_discarded()) (void)schema.check(value);
  } catch (const leadscout::Error&) {
    // a schema the check does not support, or not JSON: the expected error
  }
  return 0;
}

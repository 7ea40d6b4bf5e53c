// What a provider or a model sends back: the 200 bodies of both APIs, error bodies, the request
// bodies the stub reads, and the JSON an answer's text carries. None of it may crash or throw,
// whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "chat_wire.hpp"
#include "leadscout/llm/schema.hpp"

namespace wire = leadscout::llm::wire;
using leadscout::llm::Api;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const Api api : {Api::openai, Api::anthropic}) {
    (void)wire::parse_response(api, text);
    std::string error;
    (void)wire::parse_request(api, text, error);
  }
  (void)wire::error_message(text);
  (void)leadscout::llm::extract_json(text);
  return 0;
}

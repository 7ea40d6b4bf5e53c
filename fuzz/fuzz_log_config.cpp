// The configuration parsers: LEADSCOUT_LOG_LEVEL's syntax and the routes JSON file. Any input
// is either accepted or rejected with leadscout::Error; nothing else may escape.
#include <leadscout/log.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ll = leadscout::log;
  const std::string text(reinterpret_cast<const char*>(data), size);
  ll::Config cfg;
  try {
    ll::parse_level_spec(text, cfg);
  } catch (const leadscout::Error&) {
  }
  try {
    cfg.load_routes(text, "fuzz.json");
  } catch (const leadscout::Error&) {
  }
  return 0;
}

// The configuration parsers: LEADSCOUT_LOG_LEVEL's syntax and the routes JSON file. Any input
// is either accepted or rejected with ConfigError; nothing else may escape.
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
  } catch (const ll::ConfigError&) {
  }
  try {
    cfg.load_routes(text, "fuzz.json");
  } catch (const ll::ConfigError&) {
  }
  return 0;
}

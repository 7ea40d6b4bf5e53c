// leadscout-logs' line scanner: never crashes, and whatever it accepts nlohmann accepts too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "scanner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  leadscout::logs_tool::Event ev;
  if (leadscout::logs_tool::scan_line(line, ev) == leadscout::logs_tool::ScanError::none) {
    try {
      (void)nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      // JSON's grammar allows a lone surrogate escape (\udc00); nlohmann refuses it, the
      // scanner accepts it and its unescaping turns it into U+FFFD. Anything else is a bug.
      if (std::string_view(e.what()).find("surrogate") == std::string_view::npos) std::abort();
    } catch (const nlohmann::json::out_of_range&) {
      // valid JSON grammar with a number beyond a double (1E999): nlohmann's limit, not JSON's
    }
  }
  bool date_only = false;
  (void)leadscout::logs_tool::parse_time_bound(line, date_only);
  (void)leadscout::logs_tool::parse_timestamp(line);
  return 0;
}

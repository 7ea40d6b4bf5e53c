// The checkpoint journal's record reader: never crashes, accepts only lines a JSON parser
// accepts, and reads back every record the writer wrote, whatever the id and error text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "journal/journal_record.hpp"

namespace lbd = leadscout::batch::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  lbd::JournalRecord record;
  lbd::RecordScratch scratch;
  if (lbd::parse_record(input, record, scratch)) {
    try {
      (void)nlohmann::json::parse(input);
    } catch (const nlohmann::json::parse_error& e) {
      // A lone surrogate escape is valid JSON grammar that nlohmann refuses; anything else is a bug.
      if (std::string_view(e.what()).find("surrogate") == std::string_view::npos) std::abort();
    } catch (const nlohmann::json::out_of_range&) {
    }
  }
  // Round trip: the input's halves as id and error text of a written record.
  const std::string id(input.substr(0, size / 2));
  const std::string error(input.substr(size / 2));
  std::string line;
  lbd::format_record(line, id, false, 2, 12.5, {}, error, {});
  if (line.empty() || line.back() != '\n') std::abort();
  line.pop_back();
  lbd::RecordScratch scratch2;
  lbd::JournalRecord back;
  if (!lbd::parse_record(line, back, scratch2)) std::abort();  // the writer's own line must read back
  if (back.ok || back.attempts != 2) std::abort();
  return 0;
}

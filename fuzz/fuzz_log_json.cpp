// The JSON encoder of field values: whatever the bytes, the rendered line is one line of valid
// JSON within the length limit, valid UTF-8 values round-trip, and the caller's direct encoder
// agrees with the general one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "front/direct_encoding.hpp"
#include "front/encoding.hpp"
#include "back/render.hpp"

namespace ld = leadscout::log::detail;
namespace ll = leadscout::log;

namespace {

bool valid_utf8_without_controls(const std::string& s) {
  try {
    const auto j = nlohmann::json::parse(nlohmann::json(s).dump());
    (void)j;
  } catch (...) {
    return false;
  }
  for (unsigned char c : s) {
    if (c < 0x20) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Input: event NUL key NUL value NUL key NUL value ... ; the first byte picks the line limit.
  if (size == 0) return 0;
  const std::size_t max_line = 1024 + static_cast<std::size_t>(data[0]) * 64;
  std::vector<std::string> parts(1);
  for (std::size_t i = 1; i < size; ++i) {
    if (data[i] == 0) {
      parts.emplace_back();
    } else {
      parts.back().push_back(static_cast<char>(data[i]));
    }
  }
  std::vector<ll::Field> fields;
  std::vector<std::vector<std::string>> arrays;  // Values only view their data: keep it alive
  arrays.reserve(parts.size());
  for (std::size_t i = 1; i + 1 < parts.size(); i += 2) {
    if (parts[i].size() % 3 == 0) {
      fields.emplace_back(parts[i], parts[i + 1]);
    } else if (parts[i].size() % 3 == 1) {
      fields.emplace_back(parts[i], static_cast<double>(parts[i + 1].size()) / 7.0);
    } else {
      arrays.push_back({parts[i + 1], parts[i]});
      fields.emplace_back(parts[i], arrays.back());
    }
  }
  std::string bound;  // the fields travel as bound fields: same encoding, any count
  for (const auto& f : fields) ld::encode_fields(bound, {f});
  std::string payload;
  ld::encode_event(payload, 1, parts[0], {}, bound, {}, parts.back(), parts.size() % 2 == 0);
  ld::DecodedEvent decoded;
  if (!ld::decode_event(payload, decoded)) std::abort();  // our own encoding must decode
  // The caller's fast path writes exactly the general encoder's bytes whenever it takes an event.
  for (const auto& f : fields) {
    const ll::Fields one{f};
    const ld::DirectEvent direct_event{1, parts[0], {}, bound, one, nullptr};
    std::string general;
    ld::encode_event(general, 1, parts[0], {}, bound, one, {}, false);
    std::string direct(general.size() + 8, '\0');  // a field may ask for 8 bytes more than it takes
    const char* end = ld::direct_encode(direct_event, direct.data(), direct.data() + direct.size());
    if (end == nullptr) continue;  // a kind the direct encoder leaves to encode_event()
    direct.resize(static_cast<std::size_t>(end - direct.data()));
    if (direct != general) std::abort();
  }

  ld::Renderer renderer(max_line, ll::TimeZone::utc, ld::Redactor({"secret_field"}));
  const ld::EventView ev{std::chrono::system_clock::time_point(std::chrono::seconds(1751797815)), ll::Level::info,
                         "fuzz", &decoded};
  std::string line;
  renderer.json(line, ev);
  if (line.size() > max_line || line.empty() || line.back() != '\n') std::abort();
  if (line.find('\n') != line.size() - 1) std::abort();
  const auto j = nlohmann::json::parse(line.substr(0, line.size() - 1));  // throws (and fails) if invalid
  if (!j.is_object() || j["event"].is_null()) std::abort();
  // A short, valid value that needed no cutting comes back unchanged.
  if (line.find("[truncated") == std::string::npos && !fields.empty() && fields[0].value.kind() == ll::Value::Kind::string) {
    const std::string key(fields[0].key);
    const std::string value(fields[0].value.as_string());
    bool later_duplicate = false;
    for (std::size_t i = 1; i < fields.size(); ++i) later_duplicate |= fields[i].key == fields[0].key;
    const bool reserved = key == "timestamp" || key == "level" || key == "logger" || key == "event" || key == "exception";
    if (!later_duplicate && !reserved && key != "secret_field" && valid_utf8_without_controls(key) &&
        valid_utf8_without_controls(value) && !ld::Redactor({"secret_field"}).is_secret(key)) {
      if (j.at(key) != value) std::abort();
    }
  }
  std::string console;
  renderer.console(console, ev, false);
  if (console.size() > max_line || console.find('\n') != console.size() - 1) std::abort();
  return 0;
}

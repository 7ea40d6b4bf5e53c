#include "scanner.hpp"

#include <charconv>

#include "iso8601.hpp"
#include "level_names.hpp"

namespace leadscout::logs_tool {

namespace {

scan_error from_json_error(common::JsonScanError e) noexcept {
  switch (e) {
    case common::JsonScanError::none: return scan_error::none;
    case common::JsonScanError::not_object: return scan_error::not_object;
    case common::JsonScanError::syntax: return scan_error::syntax;
    case common::JsonScanError::truncated: return scan_error::truncated;
    case common::JsonScanError::trailing_data: return scan_error::trailing_data;
    case common::JsonScanError::invalid_utf8: return scan_error::invalid_utf8;
    case common::JsonScanError::control_character: return scan_error::control_character;
    case common::JsonScanError::too_deep: return scan_error::too_deep;
  }
  return scan_error::syntax;
}

}  // namespace

std::optional<level> parse_level(std::string_view name) noexcept {
  const auto i = common::level_index(name, /*lenient=*/false);
  if (!i || *i >= level_count) return std::nullopt;  // "off" is no event's level
  return static_cast<level>(*i);
}

std::optional<level> parse_level_lenient(std::string_view name) noexcept {
  const auto i = common::level_index(name, /*lenient=*/true);
  if (!i || *i >= level_count) return std::nullopt;
  return static_cast<level>(*i);
}

std::string_view level_name(level l) noexcept { return common::level_names[static_cast<std::size_t>(l)]; }
std::string_view level_upper(level l) noexcept { return common::level_upper_names[static_cast<std::size_t>(l)]; }

std::string_view describe(scan_error e) noexcept {
  switch (e) {
    case scan_error::none: return "ok";
    case scan_error::not_object: return "not a JSON object";
    case scan_error::syntax: return "malformed JSON";
    case scan_error::truncated: return "truncated JSON";
    case scan_error::trailing_data: return "data after the JSON object";
    case scan_error::invalid_utf8: return "invalid UTF-8";
    case scan_error::control_character: return "raw control character in a string";
    case scan_error::too_deep: return "nesting too deep";
    case scan_error::missing_field: return "missing timestamp, level, logger or event";
    case scan_error::bad_level: return "unknown level";
    case scan_error::bad_timestamp: return "bad timestamp";
  }
  return "corrupt";
}

scan_error scan_line(std::string_view line, event& out) {
  out.line = line;
  if (const auto rc = common::scan_json_object(line, out.fields); rc != common::JsonScanError::none) {
    return from_json_error(rc);
  }
  const field* ts = nullptr;
  const field* lv = nullptr;
  const field* lg = nullptr;
  const field* ev = nullptr;
  // leadscout writes the four standard keys first; look there before searching the rest.
  const std::size_t n = out.fields.size();
  if (n >= 4 && out.fields[0].key == "timestamp" && out.fields[1].key == "level" &&
      out.fields[2].key == "logger" && out.fields[3].key == "event") {
    ts = &out.fields[0];
    lv = &out.fields[1];
    lg = &out.fields[2];
    ev = &out.fields[3];
  } else {
    ts = out.find("timestamp");
    lv = out.find("level");
    lg = out.find("logger");
    ev = out.find("event");
  }
  if (ts == nullptr || lv == nullptr || lg == nullptr || ev == nullptr ||
      ts->kind != value_kind::string || lv->kind != value_kind::string ||
      lg->kind != value_kind::string || ev->kind != value_kind::string) {
    return scan_error::missing_field;
  }
  const auto l = parse_level(lv->value);
  if (!l) return scan_error::bad_level;
  const auto t = parse_timestamp(ts->value);
  if (!t) return scan_error::bad_timestamp;
  out.lvl = *l;
  out.time_us = *t;
  out.timestamp = ts->value;
  out.logger = lg->value;
  out.logger_escaped = lg->value_escaped;
  out.name = ev->value;
  out.name_escaped = ev->value_escaped;
  return scan_error::none;
}

const field* event::find(std::string_view key) const noexcept {
  for (const auto& f : fields) {
    if (!f.key_escaped) {
      if (f.key == key) return &f;
    } else if (unescape(f.key) == key) {
      return &f;
    }
  }
  return nullptr;
}

std::optional<double> event::number(std::string_view key) const noexcept {
  const field* f = find(key);
  if (f == nullptr || f->kind != value_kind::number) return std::nullopt;
  double v = 0;
  const auto [ptr, ec] = std::from_chars(f->value.data(), f->value.data() + f->value.size(), v);
  if (ec != std::errc{}) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_timestamp(std::string_view text) noexcept {
  return common::parse_iso8601(text, {});
}

std::optional<std::int64_t> parse_time_bound(std::string_view text, bool& date_only) noexcept {
  return common::parse_iso8601(text, {.any_separator = true, .optional_seconds = true, .optional_zone = true,
                                      .date_only = true},
                               &date_only);
}

std::string format_timestamp_us(std::int64_t us) { return common::format_iso8601_utc(us, 6); }

std::string value_string(const field& f) {
  if (f.kind == value_kind::string && f.value_escaped) return unescape(f.value);
  return std::string(f.value);
}

}  // namespace leadscout::logs_tool

#include "scanner.hpp"

#include <charconv>

#include "iso8601.hpp"
#include "level_names.hpp"

namespace leadscout::logs_tool {

namespace {

ScanError from_json_error(common::JsonScanError e) noexcept {
  switch (e) {
    case common::JsonScanError::none: return ScanError::none;
    case common::JsonScanError::not_object: return ScanError::not_object;
    case common::JsonScanError::syntax: return ScanError::syntax;
    case common::JsonScanError::truncated: return ScanError::truncated;
    case common::JsonScanError::trailing_data: return ScanError::trailing_data;
    case common::JsonScanError::invalid_utf8: return ScanError::invalid_utf8;
    case common::JsonScanError::control_character: return ScanError::control_character;
    case common::JsonScanError::too_deep: return ScanError::too_deep;
  }
  return ScanError::syntax;
}

}  // namespace

std::optional<Level> parse_level(std::string_view name) noexcept {
  const auto i = common::level_index(name, /*lenient=*/false);
  if (!i || *i >= level_count) return std::nullopt;  // "off" is no event's level
  return static_cast<Level>(*i);
}

std::optional<Level> parse_level_lenient(std::string_view name) noexcept {
  const auto i = common::level_index(name, /*lenient=*/true);
  if (!i || *i >= level_count) return std::nullopt;
  return static_cast<Level>(*i);
}

std::string_view level_name(Level l) noexcept { return common::level_names[static_cast<std::size_t>(l)]; }
std::string_view level_upper(Level l) noexcept { return common::level_upper_names[static_cast<std::size_t>(l)]; }

std::string_view describe(ScanError e) noexcept {
  switch (e) {
    case ScanError::none: return "ok";
    case ScanError::not_object: return "not a JSON object";
    case ScanError::syntax: return "malformed JSON";
    case ScanError::truncated: return "truncated JSON";
    case ScanError::trailing_data: return "data after the JSON object";
    case ScanError::invalid_utf8: return "invalid UTF-8";
    case ScanError::control_character: return "raw control character in a string";
    case ScanError::too_deep: return "nesting too deep";
    case ScanError::missing_field: return "missing timestamp, level, logger or event";
    case ScanError::bad_level: return "unknown level";
    case ScanError::bad_timestamp: return "bad timestamp";
  }
  return "corrupt";
}

ScanError scan_line(std::string_view line, Event& out) {
  out.line = line;
  if (const auto rc = common::scan_json_object(line, out.fields); rc != common::JsonScanError::none) {
    return from_json_error(rc);
  }
  const Field* ts = nullptr;
  const Field* lv = nullptr;
  const Field* lg = nullptr;
  const Field* ev = nullptr;
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
      ts->kind != ValueKind::string || lv->kind != ValueKind::string ||
      lg->kind != ValueKind::string || ev->kind != ValueKind::string) {
    return ScanError::missing_field;
  }
  const auto l = parse_level(lv->value);
  if (!l) return ScanError::bad_level;
  const auto t = parse_timestamp(ts->value);
  if (!t) return ScanError::bad_timestamp;
  out.lvl = *l;
  out.time_us = *t;
  out.timestamp = ts->value;
  out.logger = lg->value;
  out.logger_escaped = lg->value_escaped;
  out.name = ev->value;
  out.name_escaped = ev->value_escaped;
  return ScanError::none;
}

const Field* Event::find(std::string_view key) const noexcept {
  for (const auto& f : fields) {
    if (!f.key_escaped) {
      if (f.key == key) return &f;
    } else if (unescape(f.key) == key) {
      return &f;
    }
  }
  return nullptr;
}

std::optional<double> Event::number(std::string_view key) const noexcept {
  const Field* f = find(key);
  if (f == nullptr || f->kind != ValueKind::number) return std::nullopt;
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

std::string value_string(const Field& f) {
  if (f.kind == ValueKind::string && f.value_escaped) return unescape(f.value);
  return std::string(f.value);
}

}  // namespace leadscout::logs_tool

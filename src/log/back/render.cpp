#include "render.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/format.h>

#include "iso8601.hpp"
#include "json_writer.hpp"

namespace leadscout::log::detail {
namespace {

constexpr std::string_view reserved_keys[] = {"timestamp", "level", "logger", "event", "exception"};
constexpr std::string_view redacted = "\"***\"";
constexpr std::size_t min_cut_value = 48;  // a value is never cut below this many bytes

std::string normalize_key(std::string_view key) {
  std::string k(key);
  for (char& c : k) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return k;
}

bool is_reserved(std::string_view key) {
  return std::find(std::begin(reserved_keys), std::end(reserved_keys), key) != std::end(reserved_keys);
}

/// Seconds east of UTC in the time zone at t.
long utc_offset(std::int64_t t, TimeZone tz) {
  if (tz == TimeZone::utc) return 0;
  const auto tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return tm.tm_gmtoff;
}

const char* level_color(Level level) {
  switch (level) {
    case Level::trace: return "\x1b[90m";
    case Level::debug: return "\x1b[36m";
    case Level::info: return "\x1b[32m";
    case Level::warning: return "\x1b[33m";
    case Level::error: return "\x1b[31m";
    case Level::critical: return "\x1b[1;41;97m";
    case Level::off: break;
  }
  return "";
}

/// Position of the last escape-sequence and UTF-8 boundary at or before limit in JSON
/// string contents, so a cut never splits "\u0001", "\"" or a multi-byte character.
std::size_t escaped_cut(std::string_view s, std::size_t limit) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = 1;
    if (s[i] == '\\') {
      n = i + 1 < s.size() && s[i + 1] == 'u' ? 6 : 2;
    } else {
      const auto c = static_cast<unsigned char>(s[i]);
      n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    }
    if (i + n > limit) break;
    i += n;
  }
  return std::min(i, s.size());
}

/// Shortens a rendered JSON value by about `excess` bytes (never below min_cut_value): a
/// string's contents, or any other value's text as a string, with a marker of what was cut.
/// False when the value cannot get any shorter.
bool cut_value(std::string& value, std::size_t excess) {
  const bool is_string = value.front() == '"';
  std::string contents = is_string ? value.substr(1, value.size() - 2) : std::string();
  if (!is_string) append_json_escaped(contents, value);
  const std::size_t marker_room = 40;
  const std::size_t keep_target =
      contents.size() > excess + marker_room + min_cut_value ? contents.size() - excess - marker_room : min_cut_value;
  const std::size_t keep = escaped_cut(contents, keep_target);
  std::string cut = "\"";
  cut.append(contents, 0, keep);
  cut.append(fmt::format("...[truncated {} bytes]\"", contents.size() - keep));
  if (cut.size() >= value.size()) return false;
  value = std::move(cut);
  return true;
}

}  // namespace

Redactor::Redactor(const std::vector<std::string>& extra_keys) {
  for (std::string_view k : {"api_key", "apikey", "authorization", "password", "secret", "token"}) {
    names_.push_back(std::string(k));
  }
  for (const auto& k : extra_keys) {
    if (!k.empty()) names_.push_back(normalize_key(k));
  }
}

bool Redactor::is_secret(std::string_view key) const noexcept {
  for (const auto& name : names_) {
    if (key.size() < name.size()) continue;
    const std::size_t off = key.size() - name.size();
    if (off != 0 && key[off - 1] != '_' && key[off - 1] != '-' && key[off - 1] != '.') continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i) {
      char c = key[off + i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');  // ASCII only: no locale calls
      if (c == '-') c = '_';
      same = c == name[i];
    }
    if (same) return true;
  }
  return false;
}

Renderer::Renderer(std::size_t max_line, TimeZone time_zone, Redactor redactor)
    : max_line_(max_line), time_zone_(time_zone), redactor_(std::move(redactor)) {}

std::string Renderer::date_of(std::chrono::system_clock::time_point t) const {
  const auto sec = std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
  const std::int64_t local = sec + utc_offset(sec, time_zone_);
  std::string out;
  common::append_iso8601_date(out, (local >= 0 ? local : local - 86399) / 86400);
  return out;
}

void Renderer::append_timestamp(std::string& out, std::chrono::system_clock::time_point t, bool micros) {
  using namespace std::chrono;
  const auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
  std::int64_t sec = us / 1'000'000;
  std::int64_t frac = us % 1'000'000;
  if (frac < 0) frac += 1'000'000, --sec;
  if (sec != cached_second_) {
    const long offset = utc_offset(sec, time_zone_);
    cached_prefix_.clear();
    common::append_iso8601_date_time(cached_prefix_, sec + offset);
    if (time_zone_ == TimeZone::utc) {
      cached_offset_.assign(1, 'Z');
    } else {
      const long minutes = std::abs(offset) / 60;
      cached_offset_ = fmt::format("{}{:02}:{:02}", offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
    }
    cached_second_ = sec;
  }
  out.append(cached_prefix_);
  if (micros) common::append_iso8601_fraction(out, frac, 6);
  out.append(cached_offset_);
}

void Renderer::collect_slots(const DecodedEvent& ev) {
  slots_.clear();
  for (std::size_t i = 0; i < ev.fields.size(); ++i) {
    const std::string_view key = ev.fields[i].key;
    auto same = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return ev.fields[s.field].key == key; });
    if (same != slots_.end()) {
      same->field = i;  // a later key replaces the earlier value in place
    } else {
      slots_.push_back({i, is_reserved(key) || (ev.source && key == "source")});
    }
  }
}

void Renderer::append_value(std::string& out, const DecodedField& f, bool console) const {
  switch (f.kind) {
    case EncodedKind::null: out.append("null"); break;
    case EncodedKind::boolean: out.append(f.num.b ? "true" : "false"); break;
    case EncodedKind::int64: append_int(out, f.num.i); break;
    case EncodedKind::uint64: append_uint(out, f.num.u); break;
    case EncodedKind::float64: append_json_double(out, f.num.d); break;
    case EncodedKind::duration_ms:
      append_json_double(out, f.num.d);
      if (console) out.append("ms");
      break;
    case EncodedKind::string:
      if (console && !needs_console_quotes(f.str)) {
        append_json_escaped(out, f.str);
      } else {
        append_json_string(out, f.str);
      }
      break;
    case EncodedKind::string_array: {
      out.push_back('[');
      bool first = true;
      for_each_string(f, [&](std::string_view s) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, s);
      });
      out.push_back(']');
      break;
    }
    case EncodedKind::int_array:
    case EncodedKind::uint_array:
    case EncodedKind::float_array:
      out.push_back('[');
      for (std::uint32_t i = 0; i < f.array_size; ++i) {
        if (i != 0) out.push_back(',');
        if (f.kind == EncodedKind::int_array) {
          append_int(out, array_element<std::int64_t>(f, i));
        } else if (f.kind == EncodedKind::uint_array) {
          append_uint(out, array_element<std::uint64_t>(f, i));
        } else {
          append_json_double(out, array_element<double>(f, i));
        }
      }
      out.push_back(']');
      break;
    case EncodedKind::array:
    case EncodedKind::object: append_nested(out, f); break;
  }
}

// Nested values are always JSON, also on the console; keys inside objects are redacted too.
void Renderer::append_nested(std::string& out, const DecodedField& f) const {
  const bool object = f.kind == EncodedKind::object;
  out.push_back(object ? '{' : '[');
  std::string_view rest = f.str;
  DecodedField element;
  bool first = true;
  while (next_field(rest, element)) {
    if (!first) out.push_back(',');
    first = false;
    if (object) {
      append_json_string(out, element.key);
      out.push_back(':');
      if (redactor_.is_secret(element.key)) {
        out.append(redacted);
        continue;
      }
    }
    append_value(out, element, false);
  }
  out.push_back(object ? '}' : ']');
}

void append_source(std::string& out, const SourceView& where) {
  out.append("{\"file\":");
  append_json_string(out, where.file);
  out.append(",\"line\":");
  append_uint(out, where.line);
  out.append(",\"function\":");
  append_json_string(out, where.function);
  out.push_back('}');
}

void Renderer::json(std::string& out, const EventView& ev) {
  const DecodedEvent& d = *ev.decoded;
  collect_slots(d);
  out.clear();
  out.append("{\"timestamp\":\"");
  append_timestamp(out, ev.time, true);
  out.append("\",\"level\":\"");
  out.append(to_string(ev.level));
  out.append("\",\"logger\":");
  append_json_string(out, ev.logger);
  out.append(",\"event\":");
  append_json_string(out, d.event);
  for (const Slot& s : slots_) {
    const DecodedField& f = d.fields[s.field];
    out.append(s.reserved ? ",\"_" : ",\"");
    append_json_escaped(out, f.key);
    out.append("\":");
    if (redactor_.is_secret(f.key)) {
      out.append(redacted);
    } else {
      append_value(out, f, false);
    }
  }
  if (d.source) {
    out.append(",\"source\":");
    append_source(out, *d.source);
  }
  if (d.exception) {
    out.append(",\"exception\":");
    append_json_string(out, *d.exception);
  }
  out.append("}\n");
  if (out.size() > max_line_) truncate_to_fit(out, ev);
}

// The slow path for oversized events: render every part separately, cut the longest values
// until the line fits, and drop trailing fields only if cutting is not enough.
void Renderer::truncate_to_fit(std::string& out, const EventView& ev) {
  const DecodedEvent& d = *ev.decoded;
  struct Part {
    std::string key;    // rendered `"key":`
    std::string value;  // rendered JSON value
    bool stuck = false;  // cannot shrink any further
  };
  std::vector<Part> parts;
  auto add = [&](std::string_view key, bool underscore, auto&& render_value) {
    Part p;
    p.key.push_back('"');
    if (underscore) p.key.push_back('_');
    append_json_escaped(p.key, key);
    p.key.append("\":");
    render_value(p.value);
    parts.push_back(std::move(p));
  };
  add("event", false, [&](std::string& v) { append_json_string(v, d.event); });
  for (const Slot& s : slots_) {
    const DecodedField& f = d.fields[s.field];
    add(f.key, s.reserved, [&](std::string& v) {
      if (redactor_.is_secret(f.key)) {
        v.append(redacted);
      } else {
        append_value(v, f, false);
      }
    });
  }
  if (d.source) add("source", false, [&](std::string& v) { append_source(v, *d.source); });
  if (d.exception) add("exception", false, [&](std::string& v) { append_json_string(v, *d.exception); });

  std::string head = "{\"timestamp\":\"";
  append_timestamp(head, ev.time, true);
  head.append("\",\"level\":\"");
  head.append(to_string(ev.level));
  head.append("\",\"logger\":");
  append_json_string(head, ev.logger);

  auto total = [&] {
    std::size_t n = head.size() + 2;  // "}\n"
    for (const auto& p : parts) n += 1 + p.key.size() + p.value.size();
    return n;
  };
  std::size_t size = total();
  while (size > max_line_) {
    auto longest = std::max_element(parts.begin(), parts.end(), [](const Part& a, const Part& b) {
      return (a.stuck ? 0 : a.value.size()) < (b.stuck ? 0 : b.value.size());
    });
    if (longest == parts.end() || longest->stuck) break;
    if (!cut_value(longest->value, size - max_line_)) longest->stuck = true;
    size = total();
  }
  std::size_t dropped = 0;
  while (size > max_line_ && parts.size() > 1) {
    parts.pop_back();
    ++dropped;
    size = total() + 32;  // room for the "_truncated_fields" marker
  }
  out = std::move(head);
  for (const auto& p : parts) {
    out.push_back(',');
    out.append(p.key);
    out.append(p.value);
  }
  if (dropped != 0) out.append(fmt::format(",\"_truncated_fields\":{}", dropped));
  out.append("}\n");
}

void Renderer::console(std::string& out, const EventView& ev, bool color) {
  const DecodedEvent& d = *ev.decoded;
  collect_slots(d);
  out.clear();
  append_timestamp(out, ev.time, false);
  out.push_back(' ');
  if (color) out.append(level_color(ev.level));
  out.append(to_upper_string(ev.level));
  if (color) out.append("\x1b[0m");
  out.push_back(' ');
  append_json_escaped(out, d.event);
  for (const Slot& s : slots_) {
    const DecodedField& f = d.fields[s.field];
    out.push_back(' ');
    if (s.reserved) out.push_back('_');
    append_json_escaped(out, f.key);
    out.push_back('=');
    if (redactor_.is_secret(f.key)) {
      out.append("***");
    } else {
      append_value(out, f, true);
    }
  }
  if (d.source) {
    out.append(" source=");
    append_json_escaped(out, d.source->file);
    out.push_back(':');
    append_uint(out, d.source->line);
  }
  if (d.exception) {
    out.append(" exception=");
    append_json_string(out, *d.exception);
  }
  if (out.size() + 1 > max_line_) {
    const std::string marker = "...[truncated]";
    out.resize(utf8_prefix_length(out, max_line_ - marker.size() - 1));
    out.append(marker);
  }
  out.push_back('\n');
}

}  // namespace leadscout::log::detail

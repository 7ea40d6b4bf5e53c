// The console format of leadscout-logs' --pretty output.
#include "pretty.hpp"

#include <string_view>

namespace leadscout::logs_tool {

namespace {

bool is_standard_key(const Field& f) noexcept {
  return !f.key_escaped &&
         (f.key == "timestamp" || f.key == "level" || f.key == "logger" || f.key == "event");
}

bool needs_quotes(std::string_view s) noexcept {
  if (s.empty()) return true;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ' ' || c == '=' || c == '"' || u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

}  // namespace

void render_pretty(const Event& e, std::string& out) {
  const std::string_view ts = e.timestamp;
  out.append(ts.substr(0, 19));
  if (!ts.empty() && ts.back() == 'Z') {
    out.push_back('Z');
  } else if (ts.size() >= 25) {
    out.append(ts.substr(ts.size() - 6));
  }
  out.push_back(' ');
  out.append(level_upper(e.lvl));
  out.push_back(' ');
  out.append(resolved(e.name, e.name_escaped));
  for (const auto& f : e.fields) {
    if (is_standard_key(f)) continue;
    out.push_back(' ');
    out.append(resolved(f.key, f.key_escaped));
    out.push_back('=');
    if (f.kind != ValueKind::string) {
      out.append(f.value);
      continue;
    }
    const std::string v = value_string(f);
    if (needs_quotes(v)) {
      common::append_json_string(out, v);
    } else {
      out.append(v);
    }
  }
}

}  // namespace leadscout::logs_tool

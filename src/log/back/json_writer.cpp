#include "json_writer.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace leadscout::log::detail {

void append_json_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out.append("\"NaN\"");
    return;
  }
  if (std::isinf(d)) {
    out.append(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  const std::size_t start = out.size();
  fmt::format_to(std::back_inserter(out), "{}", d);
  if (out.find_first_of(".eEn", start) == std::string::npos) out.append(".0");
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(res.ptr - buf));
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(res.ptr - buf));
}

bool needs_console_quotes(std::string_view s) noexcept {
  if (s.empty()) return true;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == '"' || c == '=' || c == '\\' || c == 0x7F) return true;
  }
  return false;
}

}  // namespace leadscout::log::detail

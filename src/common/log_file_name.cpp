#include "log_file_name.hpp"

namespace leadscout::common {

bool is_iso_date(std::string_view s) noexcept {
  if (s.size() != 10) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return false;
  }
  return true;
}

bool valid_instance_name(std::string_view name) noexcept {
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool instance_between(std::string_view between, std::string_view& instance) noexcept {
  if (between.empty()) {
    instance = {};
    return true;
  }
  if (between.size() < 2 || between[0] != '.' || !valid_instance_name(between.substr(1))) return false;
  instance = between.substr(1);
  return true;
}

}  // namespace leadscout::common

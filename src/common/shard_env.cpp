#include "shard_env.hpp"

#include <charconv>
#include <cstdlib>

namespace leadscout::common {
namespace {

bool parse_u32(std::string_view text, std::uint32_t& out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

std::string describe(std::string_view what, std::string_view value) {
  return std::string(what) + "=\"" + std::string(value) + "\"";
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

}  // namespace

std::optional<ShardNumbers> parse_shard_spec(std::string_view text, std::string_view what, std::string& error) {
  const auto slash = text.find('/');
  ShardNumbers s;
  if (slash == std::string_view::npos || !parse_u32(text.substr(0, slash), s.index) ||
      !parse_u32(text.substr(slash + 1), s.count) || s.count == 0 || s.index >= s.count) {
    error = "invalid shard " + describe(what, text) + ": expected \"i/n\" with 0 <= i < n, e.g. \"0/4\"";
    return std::nullopt;
  }
  return s;
}

std::optional<ShardNumbers> shard_spec_from_env(std::string& error) {
  error.clear();
  if (const char* v = env("LEADSCOUT_SHARD")) return parse_shard_spec(v, "LEADSCOUT_SHARD", error);
  const char* index = env("JOB_COMPLETION_INDEX");
  if (index == nullptr) return std::nullopt;
  ShardNumbers s;
  if (!parse_u32(index, s.index)) {
    error = "invalid " + describe("JOB_COMPLETION_INDEX", index) + ": expected a non-negative integer";
    return std::nullopt;
  }
  const char* count = env("LEADSCOUT_SHARD_COUNT");
  if (count == nullptr) {
    error = "JOB_COMPLETION_INDEX is set but LEADSCOUT_SHARD_COUNT is not: set it to the Job's completions";
    return std::nullopt;
  }
  if (!parse_u32(count, s.count) || s.count == 0) {
    error = "invalid " + describe("LEADSCOUT_SHARD_COUNT", count) + ": expected a positive integer";
    return std::nullopt;
  }
  if (s.index >= s.count) {
    error = "JOB_COMPLETION_INDEX=" + std::string(index) + " is not below LEADSCOUT_SHARD_COUNT=" + count;
    return std::nullopt;
  }
  return s;
}

std::string shard_name(ShardNumbers shard) {
  return "shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count);
}

}  // namespace leadscout::common

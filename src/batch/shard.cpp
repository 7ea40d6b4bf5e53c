// Shards: the stable id hash and the shard named by the environment.
#include "leadscout/batch/shard.hpp"

#include <charconv>
#include <cstdlib>
#include <string>

#include "leadscout/batch/options.hpp"

namespace leadscout::batch {

std::uint64_t stable_hash(std::string_view id) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

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

}  // namespace

ShardSpec parse_shard(std::string_view text, std::string_view what) {
  const auto slash = text.find('/');
  ShardSpec s;
  if (slash == std::string_view::npos || !parse_u32(text.substr(0, slash), s.index) ||
      !parse_u32(text.substr(slash + 1), s.count) || s.count == 0 || s.index >= s.count) {
    throw Error("invalid shard " + describe(what, text) + ": expected \"i/n\" with 0 <= i < n, e.g. \"0/4\"");
  }
  return s;
}

std::optional<ShardSpec> shard_from_env() {
  if (const char* v = std::getenv("LEADSCOUT_SHARD"); v != nullptr && *v != '\0') {
    return parse_shard(v, "LEADSCOUT_SHARD");
  }
  const char* index = std::getenv("JOB_COMPLETION_INDEX");
  if (index == nullptr || *index == '\0') return std::nullopt;
  ShardSpec s;
  if (!parse_u32(index, s.index)) {
    throw Error("invalid " + describe("JOB_COMPLETION_INDEX", index) + ": expected a non-negative integer");
  }
  const char* count = std::getenv("LEADSCOUT_SHARD_COUNT");
  if (count == nullptr || *count == '\0') {
    throw Error("JOB_COMPLETION_INDEX is set but LEADSCOUT_SHARD_COUNT is not: set it to the Job's completions");
  }
  if (!parse_u32(count, s.count) || s.count == 0) {
    throw Error("invalid " + describe("LEADSCOUT_SHARD_COUNT", count) + ": expected a positive integer");
  }
  if (s.index >= s.count) {
    throw Error("JOB_COMPLETION_INDEX=" + std::string(index) + " is not below LEADSCOUT_SHARD_COUNT=" + count);
  }
  return s;
}

}  // namespace leadscout::batch

// Shards: the stable id hash and the shard named by the environment.
#include "leadscout/batch/shard.hpp"

#include <string>

#include "leadscout/batch/options.hpp"
#include "shard_env.hpp"

namespace leadscout::batch {

std::uint64_t stable_hash(std::string_view id) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

ShardSpec parse_shard(std::string_view text, std::string_view what) {
  std::string error;
  const auto shard = common::parse_shard_spec(text, what, error);
  if (!shard) throw leadscout::Error(error);
  return ShardSpec{shard->index, shard->count};
}

std::optional<ShardSpec> shard_from_env() {
  std::string error;
  const auto shard = common::shard_spec_from_env(error);
  if (!error.empty()) throw leadscout::Error(error);
  if (!shard) return std::nullopt;
  return ShardSpec{shard->index, shard->count};
}

}  // namespace leadscout::batch

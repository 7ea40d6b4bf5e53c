// Splitting one input across machines: each shard takes the items whose id hashes to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "leadscout/batch/export.hpp"

namespace leadscout::batch {

/// Shard `index` of `count` (0-based). {0, 1} is the whole input.
struct ShardSpec {
  std::uint32_t index = 0;  ///< this shard, 0 … count - 1
  std::uint32_t count = 1;  ///< shards in all
  /// Same index and count.
  friend bool operator==(const ShardSpec&, const ShardSpec&) = default;
};

/// The shard named by the environment: LEADSCOUT_SHARD=i/n, or JOB_COMPLETION_INDEX (a
/// Kubernetes Indexed Job) with LEADSCOUT_SHARD_COUNT. nullopt when none is set. Throws
/// leadscout::Error naming the variable and its value when a value is malformed.
[[nodiscard]] LEADSCOUT_BATCH_EXPORT std::optional<ShardSpec> shard_from_env();

/// Parses "i/n" (0 <= i < n); throws leadscout::Error naming `what` on anything else.
[[nodiscard]] LEADSCOUT_BATCH_EXPORT ShardSpec parse_shard(std::string_view text,
                                                          std::string_view what = "LEADSCOUT_SHARD");

/// Stable 64-bit FNV-1a hash of an item id; the same on every machine and run.
[[nodiscard]] LEADSCOUT_BATCH_EXPORT std::uint64_t stable_hash(std::string_view id) noexcept;

/// The shard an id belongs to among `count` shards.
[[nodiscard]] inline std::uint32_t shard_of(std::string_view id, std::uint32_t count) noexcept {
  return count <= 1 ? 0U : static_cast<std::uint32_t>(stable_hash(id) % count);
}

}  // namespace leadscout::batch

// The shard spec of the environment, shared by the logging and batch libraries (internal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leadscout::common {

/// Shard `index` of `count` (0-based).
struct ShardNumbers {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
};

/// Parses "i/n" (0 <= i < n). On failure returns nullopt and sets `error` to a message naming
/// `what` and the value.
[[nodiscard]] std::optional<ShardNumbers> parse_shard_spec(std::string_view text, std::string_view what,
                                                           std::string& error);

/// The shard named by LEADSCOUT_SHARD=i/n, or by JOB_COMPLETION_INDEX with LEADSCOUT_SHARD_COUNT.
/// nullopt with an empty `error` when none is set; nullopt with `error` naming the variable when
/// a value is malformed.
[[nodiscard]] std::optional<ShardNumbers> shard_spec_from_env(std::string& error);

/// "shard-I-of-N": how a shard's files are told apart (progress files, log files).
[[nodiscard]] std::string shard_name(ShardNumbers shard);

}  // namespace leadscout::common

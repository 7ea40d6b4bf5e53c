// A quota shared between the processes (shards) of one operation: the interface QuotaState
// consults, the address of the shared store, and the backend named by LEADSCOUT_QUOTA_REDIS.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "leadscout/batch/quota.hpp"
#include "leadscout/log/logger.hpp"
#include "redis_address.hpp"

namespace leadscout::batch::detail {

/// The environment variable that names the Redis server shared quotas live in.
inline constexpr std::string_view quota_redis_variable = "LEADSCOUT_QUOTA_REDIS";
/// Seconds a shard's reservations outlive its last heartbeat (a shard that dies holding them).
inline constexpr std::string_view quota_redis_ttl_variable = "LEADSCOUT_QUOTA_REDIS_RESERVATION_TTL";
/// Its default: a dead shard's reservations hold the others back at most this long.
inline constexpr std::chrono::milliseconds default_reservation_ttl{10'000};

/// What the shared store answered to a request for a permit.
struct SharedTake {
  enum class Status { granted, wait, never, unavailable };
  Status status = Status::unavailable;
  std::chrono::milliseconds wait{0};  ///< with Status::wait: when to ask again
  std::uint64_t overloads = 0;        ///< rate limits and timeouts seen by every shard so far
  double spent_usd = 0;               ///< the operation's spend so far
  double requests_last_minute = 0;    ///< the operation's permits in the last minute
  double tokens_last_minute = 0;      ///< and their tokens
  double reserved_usd = 0;            ///< estimates of every shard's permits in flight
};

/// What this shard holds, restated to the store with every call: its reservations (estimated
/// costs of its permits in flight) and its own spend.
struct SharedHolding {
  double reserved_usd = 0;  ///< without the permit being asked for
  double spent_usd = 0;     ///< earlier runs of this shard included (its journal's)
};

/// One quota's buckets, cooldown, overload signal and spend, shared by every shard of an
/// operation. Thread-safe. Every call does I/O: never call one under a lock. A call that cannot
/// reach the store returns unavailable/nullopt/false quickly; it never throws.
class SharedQuota {
 public:
  virtual ~SharedQuota() = default;
  /// Takes a request and `tokens` from the operation's buckets at `rpm`/`tpm` (0: unlimited),
  /// or says how long to wait (a cooldown, empty buckets, every shard's reservations leaving no
  /// room for `cost_usd` in `budget_usd`) or that `cost_usd` can never fit in `budget_usd`
  /// (0: none) beside the operation's spend. A granted permit's cost is reserved with `mine`'s
  /// until settle() restates them; a dead shard's reservations expire.
  [[nodiscard]] virtual SharedTake take(const Quota& limits, double tokens, double cost_usd,
                                        const SharedHolding& mine) = 0;
  /// A permit settled or released: `extra_tokens` (negative: a refund), its spend, and this
  /// shard's reservations left (`reserved_usd`), in one step. False when unreachable.
  virtual bool settle(const Quota& limits, double extra_tokens, double cost_usd, double reserved_usd) = 0;
  /// A rate limit: every shard waits `delay`. Returns the new overload count.
  [[nodiscard]] virtual std::optional<std::uint64_t> rate_limited(std::chrono::milliseconds delay) = 0;
  /// A timeout: the overload count grows. Returns the new count.
  [[nodiscard]] virtual std::optional<std::uint64_t> overloaded() = 0;
  /// "redis".
  [[nodiscard]] virtual std::string_view backend() const noexcept = 0;
};

/// Where the shared quotas of a run live; makes one SharedQuota per quota. Thread-safe.
class SharedQuotaStore {
 public:
  virtual ~SharedQuotaStore() = default;
  /// The shared state of quota `name` of `operation`.
  [[nodiscard]] virtual std::shared_ptr<SharedQuota> quota(std::string_view operation, std::string_view name) = 0;
};

using common::RedisAddress;

/// Parses "redis://host[:port][/db]". Throws Error naming `variable` and the bad part.
[[nodiscard]] RedisAddress parse_redis_url(std::string_view url, std::string_view variable);

/// True when this build can share quotas through Redis.
[[nodiscard]] bool redis_supported() noexcept;

/// Connects to the Redis server at `address`. Throws Error naming `variable` and the address
/// when it cannot be reached, or when this build has no Redis support. Warnings about a lost
/// connection go to `log`. This process's reservations expire `reservation_ttl` after its last
/// heartbeat (sent every third of it).
[[nodiscard]] std::shared_ptr<SharedQuotaStore> connect_redis(
    const RedisAddress& address, std::string_view variable, leadscout::log::Logger log,
    std::chrono::milliseconds reservation_ttl = default_reservation_ttl);

/// Parses a LEADSCOUT_QUOTA_REDIS_RESERVATION_TTL value: seconds, a number > 0. Throws Error
/// naming the variable.
[[nodiscard]] std::chrono::milliseconds parse_reservation_ttl(std::string_view text);

/// The store LEADSCOUT_QUOTA_REDIS names, or null when it is unset or empty; the reservations'
/// expiry from LEADSCOUT_QUOTA_REDIS_RESERVATION_TTL. Throws Error on a bad URL or TTL, an
/// unreachable server, or a build without Redis support.
[[nodiscard]] std::shared_ptr<SharedQuotaStore> shared_store_from_env(leadscout::log::Logger log);

}  // namespace leadscout::batch::detail

// Shared quotas in Redis, through hiredis: one connection per run, atomic Lua scripts that use
// the server's clock, and a reconnection at most once a second after the server is lost.
#pragma once

#include <chrono>
#include <condition_variable>
#include <stop_token>
#include <thread>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quota_shared.hpp"
#include "redis_link.hpp"

namespace leadscout::batch::detail {

/// The Lua scripts of the shared buckets and reservations (quota_redis_scripts.cpp).
extern const std::string redis_take_script;
extern const std::string redis_settle_script;
extern const std::string redis_cooldown_script;
extern const std::string redis_heartbeat_script;

/// The run's connection to Redis, shared by its quotas and their heartbeat. A reply the server
/// refused is logged and read as no answer.
class QuotaLink {
 public:
  /// Connects; throws Error naming `variable` and the address when the server cannot be reached.
  QuotaLink(const RedisAddress& address, std::string_view variable, leadscout::log::Logger log);

  /// Runs a command; null when the server is unreachable (a warning is logged once per outage)
  /// or answered with an error.
  [[nodiscard]] common::RedisReplyPtr command(const std::vector<std::string>& args);

 private:
  leadscout::log::Logger log_;
  common::RedisLink link_;
};

/// Who holds reservations in the store: one process's random name, and how long its
/// reservations outlive its last heartbeat.
struct RedisHolder {
  std::string name;
  std::chrono::milliseconds ttl{default_reservation_ttl};
};

/// Pushes on the expiry of one process's reservations every third of their TTL while it lives,
/// on a thread of its own; when the process dies, they expire. Kept alive by the store and by
/// every quota it made.
class RedisHeartbeat {
 public:
  RedisHeartbeat(std::shared_ptr<QuotaLink> link, RedisHolder holder);
  ~RedisHeartbeat();
  RedisHeartbeat(const RedisHeartbeat&) = delete;
  RedisHeartbeat& operator=(const RedisHeartbeat&) = delete;
  /// Adds a quota's "<key>:live" set to the beat.
  void add(std::string live_key);
  [[nodiscard]] const RedisHolder& holder() const noexcept { return holder_; }

 private:
  void run(std::stop_token stop);

  const std::shared_ptr<QuotaLink> link_;
  const RedisHolder holder_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  std::vector<std::string> live_keys_;
  std::jthread thread_;  ///< last: stopped and joined before the rest goes
};

/// A quota's shared state: a hash "leadscout:quota:<operation>:<name>", its 5-second windows,
/// and its reservations ("<key>:res", "<key>:live").
class RedisQuota final : public SharedQuota {
 public:
  RedisQuota(std::shared_ptr<QuotaLink> link, std::string key, std::shared_ptr<RedisHeartbeat> heartbeat)
      : link_(std::move(link)), key_(std::move(key)), heartbeat_(std::move(heartbeat)), holder_(heartbeat_->holder()) {}
  [[nodiscard]] SharedTake take(const Quota& limits, double tokens, double cost_usd, const SharedHolding& mine) override;
  bool settle(const Quota& limits, double extra_tokens, double cost_usd, double reserved_usd) override;
  [[nodiscard]] std::optional<std::uint64_t> rate_limited(std::chrono::milliseconds delay) override;
  [[nodiscard]] std::optional<std::uint64_t> overloaded() override;
  [[nodiscard]] std::string_view backend() const noexcept override { return "redis"; }

 private:
  std::shared_ptr<QuotaLink> link_;
  const std::string key_;
  const std::shared_ptr<RedisHeartbeat> heartbeat_;
  const RedisHolder holder_;
};

/// The Redis store of LEADSCOUT_QUOTA_REDIS: one connection and one heartbeat for its quotas.
class RedisQuotaStore final : public SharedQuotaStore {
 public:
  RedisQuotaStore(const RedisAddress& address, std::string_view variable, leadscout::log::Logger log,
                  std::chrono::milliseconds reservation_ttl);
  [[nodiscard]] std::shared_ptr<SharedQuota> quota(std::string_view operation, std::string_view name) override;

 private:
  std::shared_ptr<QuotaLink> link_;
  std::shared_ptr<RedisHeartbeat> heartbeat_;
};

}  // namespace leadscout::batch::detail

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

struct redisContext;
struct redisReply;

namespace leadscout::batch::detail {

/// The Lua scripts of the shared buckets and reservations (quota_redis_scripts.cpp).
extern const std::string redis_take_script;
extern const std::string redis_settle_script;
extern const std::string redis_cooldown_script;
extern const std::string redis_heartbeat_script;

/// A freed-on-destruction reply.
struct RedisReplyDeleter {
  void operator()(redisReply* r) const noexcept;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

/// One connection to Redis, shared by a run's quotas. Thread-safe: commands are serialised by
/// its own mutex (I/O, never QuotaState's). Connect and command timeouts are short, so a dead
/// server stalls a caller for at most about 200 ms, and once a second at most.
class RedisLink {
 public:
  /// Connects; throws Error naming `variable` and the address when the server cannot be reached.
  RedisLink(RedisAddress address, std::string_view variable, leadscout::log::Logger log);
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  /// Runs a command; null when the server is unreachable (a warning is logged once per outage)
  /// or answered with an error.
  [[nodiscard]] RedisReplyPtr command(const std::vector<std::string>& args);
  [[nodiscard]] const RedisAddress& address() const noexcept { return address_; }

 private:
  /// Connects and selects the database; the error, or empty on success. Under mu_.
  std::string connect_locked();
  void drop_locked() noexcept;

  const RedisAddress address_;
  const std::string variable_;
  leadscout::log::Logger log_;
  std::mutex mu_;
  redisContext* ctx_ = nullptr;
  std::chrono::steady_clock::time_point next_attempt_{};
  bool lost_ = false;  ///< an outage is under way and was reported
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
  RedisHeartbeat(std::shared_ptr<RedisLink> link, RedisHolder holder);
  ~RedisHeartbeat();
  RedisHeartbeat(const RedisHeartbeat&) = delete;
  RedisHeartbeat& operator=(const RedisHeartbeat&) = delete;
  /// Adds a quota's "<key>:live" set to the beat.
  void add(std::string live_key);
  [[nodiscard]] const RedisHolder& holder() const noexcept { return holder_; }

 private:
  void run(std::stop_token stop);

  const std::shared_ptr<RedisLink> link_;
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
  RedisQuota(std::shared_ptr<RedisLink> link, std::string key, std::shared_ptr<RedisHeartbeat> heartbeat)
      : link_(std::move(link)), key_(std::move(key)), heartbeat_(std::move(heartbeat)), holder_(heartbeat_->holder()) {}
  [[nodiscard]] SharedTake take(const Quota& limits, double tokens, double cost_usd, const SharedHolding& mine) override;
  bool settle(const Quota& limits, double extra_tokens, double cost_usd, double reserved_usd) override;
  [[nodiscard]] std::optional<std::uint64_t> rate_limited(std::chrono::milliseconds delay) override;
  [[nodiscard]] std::optional<std::uint64_t> overloaded() override;
  [[nodiscard]] std::string_view backend() const noexcept override { return "redis"; }

 private:
  std::shared_ptr<RedisLink> link_;
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
  std::shared_ptr<RedisLink> link_;
  std::shared_ptr<RedisHeartbeat> heartbeat_;
};

}  // namespace leadscout::batch::detail

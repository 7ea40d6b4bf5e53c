// The Redis cache store: entries shared by the shards of an operation, each with the TTL, and
// a short lease so that shards asking the same question wait for the first one's answer.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache_env.hpp"
#include "cache/cache_store.hpp"
#include "leadscout/llm/cache.hpp"
#include "leadscout/log/logger.hpp"
#include "redis_link.hpp"

namespace leadscout::llm::detail {

/// Entries under `leadscout:llm:cache:<key>`, leases under `leadscout:llm:lease:<key>`. A
/// server that cannot be reached is a miss: one WARNING when it goes, one INFO when it is back,
/// a reconnect tried at most once a second in between.
class RedisStore final : public CacheStore {
 public:
  RedisStore(const std::string& url, CacheOptions options, log::Logger log);

  [[nodiscard]] std::optional<CachedAnswer> lookup(const std::string& key) override;
  void store(const std::string& key, const CachedAnswer& answer) override;
  [[nodiscard]] bool claim(const std::string& key, std::chrono::milliseconds lease) override;
  void release(const std::string& key) override;

 private:
  /// The reply's string, "" for nil, nullopt when the server could not be asked.
  std::optional<std::string> command(const std::vector<std::string>& args);

  std::string url_;
  CacheOptions options_;
  log::Logger log_;
  common::RedisLink link_;
};

}  // namespace leadscout::llm::detail

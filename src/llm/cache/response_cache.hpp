// The response cache of a Client, and the internal interface a batch-mode executor uses:
//
//   std::unique_ptr<ResponseCache> cache = ResponseCache::open(options.cache, log);
//   if (cache && cache->applies_to(request)) {
//     const std::string key = cache_key(api, model, request);   // cache/cache_key.hpp
//     if (auto hit = cache->lookup(key)) { /* answered: do not submit it */ }
//     ...                                                       // submit once per distinct key
//     cache->store(key, CachedAnswer{...});                     // only answers that passed the schema
//   }
//
// Online calls go through begin(), which adds single flight: identical requests of one
// process wait for the first one's answer, and with Redis the shards wait through a lease.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "cache/cache_key.hpp"
#include "cache/cache_store.hpp"
#include "cache/single_flight.hpp"
#include "leadscout/llm/cache.hpp"
#include "leadscout/llm/client.hpp"
#include "leadscout/log/logger.hpp"

namespace leadscout::llm::detail {

class ResponseCache {
 public:
  /// The leader's obligation, or the answer a call is spared. Move-only; a leader that goes
  /// without answered() lets the requests waiting on it call themselves.
  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();

    /// The stored or shared answer: no call is needed.
    [[nodiscard]] const std::optional<CachedAnswer>& hit() const noexcept { return hit_; }
    /// Stores the answer the call gave (it passed the schema) and hands it to the waiters.
    void answered(const CachedAnswer& answer);

   private:
    friend class ResponseCache;
    Ticket(ResponseCache* cache, std::string key, bool leads, bool claimed, std::optional<CachedAnswer> hit)
        : cache_(cache), key_(std::move(key)), leads_(leads), claimed_(claimed), hit_(std::move(hit)) {}
    ResponseCache* cache_;
    std::string key_;
    bool leads_;
    bool claimed_;
    std::optional<CachedAnswer> hit_;
  };

  /// The cache `cache` names (SQLite file or Redis server) with `log` for its warnings;
  /// nullptr for no cache. Throws leadscout::Error when the store cannot be opened at all.
  [[nodiscard]] static std::unique_ptr<ResponseCache> open(const Cache& cache, log::Logger log);
  ResponseCache(std::unique_ptr<CacheStore> store, const Cache& cache);

  /// Whether `request` may be read from and stored in the cache (temperature_zero_only).
  [[nodiscard]] bool applies_to(const Request& request) const noexcept;
  /// The stored answer of `key`, without single flight.
  [[nodiscard]] std::optional<CachedAnswer> lookup(const std::string& key) { return store_->lookup(key); }
  /// Stores `answer` under `key`.
  void store(const std::string& key, const CachedAnswer& answer) { store_->store(key, answer); }

  /// The answer of `key` from the store or from an identical request in flight, else the
  /// obligation to call. Waits while another request (or, with Redis, another process for up to
  /// `lease`) calls; stops waiting when `stop` is requested.
  [[nodiscard]] Ticket begin(const std::string& key, std::stop_token stop, std::chrono::milliseconds lease);

  /// "sqlite" or "redis", as metrics label it.
  [[nodiscard]] std::string_view backend() const noexcept { return backend_; }
  [[nodiscard]] CacheStore& store() noexcept { return *store_; }

 private:
  /// Polls the store while another process holds the lease of `key`; `claimed` when the lease
  /// came free without an answer and this process holds it now.
  std::optional<CachedAnswer> wait_for_other_process(const std::string& key, std::stop_token stop,
                                                     std::chrono::milliseconds lease, bool& claimed);

  std::unique_ptr<CacheStore> store_;
  CacheOptions options_;
  std::string_view backend_;
  SingleFlight flights_;
};

}  // namespace leadscout::llm::detail

// Where cached answers live: the interface of the SQLite and Redis stores.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace leadscout::llm::detail {

/// An answer as the cache keeps it: what the call that paid for it returned.
struct CachedAnswer {
  std::string text;   ///< the answer's text, as it passed the schema check
  std::string model;  ///< the model the provider reported
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  double cost_usd = 0;  ///< what the call cost: what a hit saves
};

/// A store of answers by key. Thread-safe. Never throws for what the store does at run time (a
/// lost server or a failing disk is a miss, logged by the store); the constructors of the
/// implementations throw leadscout::Error for a store that cannot be opened at all.
class CacheStore {
 public:
  CacheStore() = default;
  virtual ~CacheStore() = default;
  CacheStore(const CacheStore&) = delete;
  CacheStore& operator=(const CacheStore&) = delete;

  /// The answer stored under `key` and still fresh, or nullopt.
  [[nodiscard]] virtual std::optional<CachedAnswer> lookup(const std::string& key) = 0;
  /// Keeps `answer` under `key` for the cache's ttl.
  virtual void store(const std::string& key, const CachedAnswer& answer) = 0;
  /// Claims the call for `key` among the processes sharing the store, for `lease`: true when
  /// this process should call, false when another one holds the claim (then poll lookup()). A
  /// store that other processes do not wait on always says true.
  [[nodiscard]] virtual bool claim(const std::string& key, std::chrono::milliseconds lease) {
    (void)key;
    (void)lease;
    return true;
  }
  /// Gives up a claim() (the answer is stored, or the call failed).
  virtual void release(const std::string& key) { (void)key; }
};

}  // namespace leadscout::llm::detail

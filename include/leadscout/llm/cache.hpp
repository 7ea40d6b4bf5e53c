// Where a Client keeps the answers it already paid for, so that an equal question is answered
// without a call: SQLite on this machine, or Redis for the shards of an operation.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "leadscout/llm/export.hpp"

namespace leadscout::llm {

/// How long and how much a Cache keeps. Every member has a default.
struct CacheOptions {
  std::chrono::seconds ttl = std::chrono::hours(24 * 30);  ///< an entry's life from its store
  std::uint64_t max_bytes = std::uint64_t{1} << 30;  ///< SQLite: the least recently used entries go past it
  bool temperature_zero_only = true;  ///< requests at a higher temperature are neither read nor stored
};

/// A response cache, as ClientOptions::cache names it. A value: it says where the entries live;
/// the Client opens the store. Default-constructed: no cache.
class LEADSCOUT_LLM_EXPORT Cache {
 public:
  /// Where entries live.
  enum class Kind {
    none,    ///< no cache
    sqlite,  ///< a SQLite file (WAL mode; several processes of one machine may share it)
    redis,   ///< a Redis database, shared by the shards of an operation
  };

  Cache() = default;
  /// Entries in the SQLite file `path` (created with its folders when missing).
  [[nodiscard]] static Cache sqlite(std::string path, CacheOptions options = {});
  /// Entries in the Redis database `url`, "redis://host[:port][/db]".
  [[nodiscard]] static Cache redis(std::string url, CacheOptions options = {});

  /// Where entries live; Kind::none for no cache.
  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  /// The file's path or the server's URL; empty without a cache.
  [[nodiscard]] const std::string& location() const noexcept { return location_; }
  /// The ttl, size and temperature rule it was made with.
  [[nodiscard]] const CacheOptions& options() const noexcept { return options_; }
  /// True unless this is no cache.
  [[nodiscard]] explicit operator bool() const noexcept { return kind_ != Kind::none; }

 private:
  Cache(Kind kind, std::string location, CacheOptions options)
      : kind_(kind), location_(std::move(location)), options_(options) {}

  Kind kind_ = Kind::none;
  std::string location_;
  CacheOptions options_{};
};

}  // namespace leadscout::llm

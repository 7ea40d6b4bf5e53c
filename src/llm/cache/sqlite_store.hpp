// The SQLite cache store: one file, WAL mode, shared by the processes of one machine.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>

#include "cache/cache_store.hpp"
#include "leadscout/llm/cache.hpp"
#include "leadscout/log/logger.hpp"

namespace leadscout::llm::detail {

/// Entries in a SQLite file, least recently used ones evicted past CacheOptions::max_bytes,
/// expired ones neither returned nor kept. A file that is corrupt or not a cache of this
/// version is moved aside (`<path>.<reason>-<unix seconds>`) with one WARNING, and a new one
/// started.
class SqliteStore final : public CacheStore {
 public:
  /// Opens or creates `path` and its folders. Throws leadscout::Error when no file can be
  /// created there; a file that stays locked past the busy timeout leaves the store empty (every
  /// lookup a miss) with a WARNING.
  SqliteStore(std::filesystem::path path, CacheOptions options, log::Logger log);
  ~SqliteStore() override;

  [[nodiscard]] std::optional<CachedAnswer> lookup(const std::string& key) override;
  void store(const std::string& key, const CachedAnswer& answer) override;

  /// The bytes of the entries (text, model and key), as eviction counts them.
  [[nodiscard]] std::int64_t bytes();
  /// Where a corrupt or foreign file went; empty when none was moved.
  [[nodiscard]] const std::filesystem::path& moved_aside() const noexcept { return moved_aside_; }

 private:
  /// Opens the file and checks its version; empty on success, else why it is not usable.
  std::string open_locked();
  void close_locked() noexcept;
  void move_aside_locked(const std::string& why);
  void evict_locked();
  /// Logs a failing statement once per store: a miss, not an error of the run.
  void failed_locked(const char* what);

  std::filesystem::path path_;
  CacheOptions options_;
  log::Logger log_;
  std::mutex mutex_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* touch_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  std::filesystem::path moved_aside_;
  std::uint64_t stores_ = 0;
  bool warned_ = false;
};

}  // namespace leadscout::llm::detail

// The schema lives in one file: `entries` by key with their sizes and times, and `totals`
// kept by triggers, so that every process sharing the file sees the same byte count.
#include "cache/sqlite_store.hpp"

#include <chrono>
#include <system_error>
#include <thread>

#include "leadscout/error.hpp"

namespace leadscout::llm::detail {

namespace {

/// PRAGMA user_version of a cache file of this layout; 0 is a new, empty file.
constexpr int kVersion = 0x6c730001;
constexpr int kBusyTimeoutMs = 5000;
constexpr int kRetryMs = 20;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS entries(
  key TEXT PRIMARY KEY, text TEXT NOT NULL, model TEXT NOT NULL,
  input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL,
  bytes INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entries_used_at ON entries(used_at);
CREATE TABLE IF NOT EXISTS totals(id INTEGER PRIMARY KEY CHECK(id = 1), bytes INTEGER NOT NULL);
INSERT OR IGNORE INTO totals VALUES(1, 0);
CREATE TRIGGER IF NOT EXISTS entries_added AFTER INSERT ON entries
  BEGIN UPDATE totals SET bytes = bytes + new.bytes; END;
CREATE TRIGGER IF NOT EXISTS entries_removed AFTER DELETE ON entries
  BEGIN UPDATE totals SET bytes = bytes - old.bytes; END;
CREATE TRIGGER IF NOT EXISTS entries_changed AFTER UPDATE OF bytes ON entries
  BEGIN UPDATE totals SET bytes = bytes + new.bytes - old.bytes; END;
)sql";

/// Why the file cannot be used: "corrupt: ..." when the file itself is bad (it is then moved
/// aside), otherwise what got in the way (a lock held too long, a full disk).
std::string failure_text(sqlite3* db) {
  const int code = sqlite3_errcode(db) & 0xff;
  const std::string message = sqlite3_errmsg(db);
  return code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? "corrupt: " + message : message;
}

/// Whether the last failure of `db` was another connection's lock.
bool busy(sqlite3* db) {
  const int code = db != nullptr ? sqlite3_errcode(db) & 0xff : SQLITE_OK;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

/// Whether `error` from open_locked() is the file's own fault.
bool file_is_bad(const std::string& error) {
  return error.rfind("corrupt: ", 0) == 0 || error.rfind("another version", 0) == 0;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t now_s() { return now_ms() / 1000; }

/// Resets a cached statement when the scope ends, whatever happened.
struct StatementScope {
  sqlite3_stmt* statement;
  ~StatementScope() {
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
  }
};

std::string column_text(sqlite3_stmt* s, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, column));
  return text == nullptr ? std::string() : std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(s, column)));
}

void bind_text(sqlite3_stmt* s, int index, const std::string& text) {
  sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

}  // namespace

SqliteStore::SqliteStore(std::filesystem::path path, CacheOptions options, log::Logger log)
    : path_(std::move(path)), options_(options), log_(std::move(log)) {
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  const std::lock_guard lock(mutex_);
  std::string error = open_locked();
  // A new file that another process is setting up can refuse at once with "database is
  // locked", without the busy handler's wait (SQLite does not wait where waiting could
  // deadlock): try again for as long as that wait would last.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  while (!error.empty() && busy(db_) && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kRetryMs));
    error = open_locked();
  }
  if (error.empty()) return;
  if (db_ == nullptr) throw Error("leadscout::llm: cannot open the LLM cache " + path_.string() + ": " + error);
  if (file_is_bad(error)) {
    move_aside_locked(error);
    error = open_locked();
    if (error.empty()) return;
  }
  // The file is fine but cannot be used now (locked past the busy timeout, a full disk): the run
  // goes on without the cache rather than harm a file other processes use.
  close_locked();
  log_.warning("LLM cache unavailable, calling instead", {{"path", path_.string()}, {"error", error}});
}

SqliteStore::~SqliteStore() { close_locked(); }

void SqliteStore::close_locked() noexcept {
  for (sqlite3_stmt** s : {&select_, &touch_, &upsert_}) {
    sqlite3_finalize(*s);
    *s = nullptr;
  }
  if (db_ != nullptr) sqlite3_close(db_);
  db_ = nullptr;
}

std::string SqliteStore::open_locked() {
  close_locked();
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string error = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    close_locked();
    return error;
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  // The first read of the header tells a corrupt file or one that is not a database.
  sqlite3_stmt* version = nullptr;
  int found = -1;
  if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &version, nullptr) == SQLITE_OK &&
      sqlite3_step(version) == SQLITE_ROW) {
    found = sqlite3_column_int(version, 0);
  }
  sqlite3_finalize(version);
  if (found < 0) return failure_text(db_);
  if (found != 0 && found != kVersion) return "another version (user_version " + std::to_string(found) + ")";
  char* message = nullptr;
  const std::string setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE;" + std::string(kSchema) +
                            "PRAGMA user_version=" + std::to_string(kVersion) + "; COMMIT;";
  if (sqlite3_exec(db_, setup.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    sqlite3_free(message);
    return failure_text(db_);
  }
  const bool prepared =
      sqlite3_prepare_v2(db_,
                         "SELECT text, model, input_tokens, output_tokens, cost_usd FROM entries "
                         "WHERE key = ?1 AND expires_at > ?2",
                         -1, &select_, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db_, "UPDATE entries SET used_at = ?2 WHERE key = ?1", -1, &touch_, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db_,
                         "INSERT INTO entries VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(key) DO UPDATE SET "
                         "text = excluded.text, model = excluded.model, input_tokens = excluded.input_tokens, "
                         "output_tokens = excluded.output_tokens, cost_usd = excluded.cost_usd, bytes = excluded.bytes, "
                         "expires_at = excluded.expires_at, used_at = excluded.used_at",
                         -1, &upsert_, nullptr) == SQLITE_OK;
  if (!prepared) return failure_text(db_);
  sqlite3_exec(db_, ("DELETE FROM entries WHERE expires_at <= " + std::to_string(now_s())).c_str(), nullptr, nullptr,
               nullptr);
  return {};
}

void SqliteStore::move_aside_locked(const std::string& why) {
  close_locked();
  const std::string reason = why.rfind("another version", 0) == 0 ? "other-version" : "corrupt";
  const std::filesystem::path aside = path_.string() + "." + reason + "-" + std::to_string(now_s());
  std::error_code ec;
  std::filesystem::rename(path_, aside, ec);
  for (const char* suffix : {"-wal", "-shm"}) {
    std::error_code ignored;
    std::filesystem::remove(path_.string() + suffix, ignored);
  }
  moved_aside_ = aside;
  log_.warning("LLM cache file unusable, moved aside",
               {{"path", path_.string()}, {"moved_to", ec ? std::string() : aside.string()}, {"error", why},
                {"hint", "a new cache is started; the run goes on"}});
}

void SqliteStore::failed_locked(const char* what) {
  if (warned_) return;
  warned_ = true;
  log_.warning("LLM cache statement failed, calling instead",
               {{"path", path_.string()}, {"statement", what}, {"error", sqlite3_errmsg(db_)}});
}

std::optional<CachedAnswer> SqliteStore::lookup(const std::string& key) {
  const std::lock_guard lock(mutex_);
  if (db_ == nullptr) return std::nullopt;
  std::optional<CachedAnswer> out;
  {
    const StatementScope scope{select_};
    bind_text(select_, 1, key);
    sqlite3_bind_int64(select_, 2, now_s());
    const int rc = sqlite3_step(select_);
    if (rc == SQLITE_ROW) {
      out = CachedAnswer{.text = column_text(select_, 0),
                         .model = column_text(select_, 1),
                         .input_tokens = sqlite3_column_int64(select_, 2),
                         .output_tokens = sqlite3_column_int64(select_, 3),
                         .cost_usd = sqlite3_column_double(select_, 4)};
    } else if (rc != SQLITE_DONE) {
      failed_locked("lookup");
    }
  }
  if (out) {
    const StatementScope scope{touch_};
    bind_text(touch_, 1, key);
    sqlite3_bind_int64(touch_, 2, now_ms());
    if (sqlite3_step(touch_) != SQLITE_DONE) failed_locked("touch");
  }
  return out;
}

void SqliteStore::store(const std::string& key, const CachedAnswer& answer) {
  const std::lock_guard lock(mutex_);
  if (db_ == nullptr) return;
  {
    const StatementScope scope{upsert_};
    bind_text(upsert_, 1, key);
    bind_text(upsert_, 2, answer.text);
    bind_text(upsert_, 3, answer.model);
    sqlite3_bind_int64(upsert_, 4, answer.input_tokens);
    sqlite3_bind_int64(upsert_, 5, answer.output_tokens);
    sqlite3_bind_double(upsert_, 6, answer.cost_usd);
    sqlite3_bind_int64(upsert_, 7, static_cast<std::int64_t>(key.size() + answer.text.size() + answer.model.size()));
    sqlite3_bind_int64(upsert_, 8, now_s() + options_.ttl.count());
    sqlite3_bind_int64(upsert_, 9, now_ms());
    if (sqlite3_step(upsert_) != SQLITE_DONE) {
      failed_locked("store");
      return;
    }
  }
  if (++stores_ % 1024 == 0) {
    sqlite3_exec(db_, ("DELETE FROM entries WHERE expires_at <= " + std::to_string(now_s())).c_str(), nullptr, nullptr,
                 nullptr);
  }
  evict_locked();
}

std::int64_t SqliteStore::bytes() {
  const std::lock_guard lock(mutex_);
  if (db_ == nullptr) return 0;
  sqlite3_stmt* s = nullptr;
  std::int64_t out = 0;
  if (sqlite3_prepare_v2(db_, "SELECT bytes FROM totals WHERE id = 1", -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    out = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  return out;
}

void SqliteStore::evict_locked() {
  // Least recently used first, one at a time, until the file's entries fit again.
  const std::string sql = "DELETE FROM entries WHERE key IN (SELECT key FROM entries ORDER BY used_at LIMIT 1) "
                          "AND (SELECT bytes FROM totals WHERE id = 1) > " +
                          std::to_string(options_.max_bytes);
  for (int round = 0; round < 100000; ++round) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK || sqlite3_changes(db_) == 0) return;
  }
}

}  // namespace leadscout::llm::detail

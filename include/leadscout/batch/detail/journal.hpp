// The checkpoint journal: <operation>.checkpoint.jsonl, append-only.
//
//   {"journal":"leadscout.batch","version":1,"operation":"demo","fingerprint":"…","items":500,"created_at":"…"}
//   {"id":"lead-1","status":"ok","attempts":1,"duration_ms":1840.2,"result":{…}}
//   {"id":"lead-2","status":"failed","attempts":3,"duration_ms":30000.0,"error":"timeout"}
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leadscout/batch/shard.hpp"

namespace leadscout::batch::detail {

/// The first line of a journal.
struct JournalHeader {
  std::string operation;
  std::string fingerprint;  ///< of the input ids (input_fingerprint)
  std::uint64_t items = 0;
  std::string created_at;
  std::optional<ShardSpec> shard;
};

/// One finished item, as read back. The views are valid only during the on_record call.
struct JournalRecord {
  std::string_view id;
  bool ok = false;
  int attempts = 0;
  double duration_ms = 0.0;
  std::string_view result;  ///< when ok: the result's JSON text, unparsed (validated)
  std::string_view error;   ///< when failed
  /// The integer counters of the record's "metrics" object.
  std::span<const std::pair<std::string_view, std::int64_t>> metrics;
};

/// Parses one record line (without its newline) the way a JSON parser would judge it: false
/// for anything that is not a complete, valid JSON object with a string id and an "ok" or
/// "failed" status (and a result when ok). `scratch` holds unescaped strings and counters.
struct RecordScratch {
  std::deque<std::string> strings;  ///< a deque: views into earlier strings stay valid
  std::size_t used = 0;
  std::vector<std::pair<std::string_view, std::int64_t>> metrics;
};
[[nodiscard]] bool parse_record(std::string_view line, JournalRecord& record, RecordScratch& scratch);

/// What open() found.
struct JournalOpenReport {
  bool resumed = false;             ///< an existing journal was read
  std::size_t records = 0;
  std::size_t dropped_lines = 0;    ///< torn or corrupt lines cut off or skipped
  std::string dropped_detail;       ///< a description of the first dropped line
};

/// Order-independent fingerprint of a set of ids: add() each id, then hex().
class Fingerprint {
 public:
  void add(std::string_view id) noexcept;
  /// add() for an id whose stable_hash() is already known.
  void add_hash(std::uint64_t id_hash) noexcept;
  [[nodiscard]] std::string hex() const;

 private:
  std::uint64_t sum_ = 0;
  std::uint64_t count_ = 0;
};

/// Appends one record line (with '\n') to `out`; `result_json` is already-serialized JSON.
void format_record(std::string& out, std::string_view id, bool ok, int attempts, double duration_ms,
                   std::string_view result_json, std::string_view error,
                   const std::vector<std::pair<std::string, std::int64_t>>& metrics);

/// Appends `s` as a JSON string literal (quoted, escaped; invalid UTF-8 replaced).
void append_json_string(std::string& out, std::string_view s);

/// An open journal file. append() may be called from many threads at once: concurrent lines
/// are group-written (one write(2) for every line pending when a write starts).
class Journal {
 public:
  Journal() = default;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Opens `path` (creating directories), locks it against a second process, and replays the
  /// records of an existing journal through `on_record`. A torn or corrupt line is reported in
  /// the result and cut off (the last line) or skipped. Throws Error when the journal belongs to
  /// another input (unless `fresh`, which starts it over) or cannot be opened.
  JournalOpenReport open(const std::filesystem::path& path, const JournalHeader& header, bool fresh,
                         const std::function<void(const JournalRecord&)>& on_record);
  /// Hands `data` (complete lines) to the OS and returns once it is written: appended to a
  /// shared buffer that the first caller finding no write in progress writes with one
  /// write(2) for everyone. Returns 0 or an errno value; after a failed write every later
  /// append fails with the same error (nothing is written after a torn tail).
  [[nodiscard]] int append(std::string_view data) noexcept;
  /// fdatasync when something was appended since the last sync. Returns 0 or an errno value.
  int sync() noexcept;
  void close() noexcept;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
  std::atomic<bool> dirty_{false};
  // Group writing, guarded by gm_ (written_ and writing_ are also read without it to spin).
  std::mutex gm_;
  std::condition_variable gcv_;
  std::string pending_;        ///< lines appended but not yet being written
  std::string batch_;          ///< the lines the current writer writes
  std::uint64_t appended_ = 0;  ///< bytes ever appended (end of pending_)
  std::atomic<std::uint64_t> written_{0};  ///< bytes ever written
  std::atomic<bool> writing_{false};
  int waiters_ = 0;
  int error_ = 0;
};

}  // namespace leadscout::batch::detail

// The checkpoint journal: <operation>.checkpoint.jsonl, append-only.
//
//   {"journal":"leadscout.batch","version":1,"operation":"demo","fingerprint":"…","items":500,"created_at":"…"}
//   {"id":"lead-1","status":"ok","attempts":1,"duration_ms":1840.2,"result":{…}}
//   {"id":"lead-2","status":"failed","attempts":3,"duration_ms":30000.0,"error":"timeout"}
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

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

/// One finished item, as read back.
struct JournalRecord {
  std::string_view id;
  bool ok = false;
  int attempts = 0;
  double duration_ms = 0.0;
  const nlohmann::json* result = nullptr;   ///< when ok
  std::string_view error;                   ///< when failed
  const nlohmann::json* metrics = nullptr;  ///< object of counters, or null
};

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

/// An open journal file. append() may be called from many threads at once.
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
  /// Writes `data` with write(2) (complete lines). Returns 0 or an errno value.
  [[nodiscard]] int append(std::string_view data) noexcept;
  /// fdatasync when something was appended since the last sync. Returns 0 or an errno value.
  int sync() noexcept;
  void close() noexcept;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
  std::atomic<bool> dirty_{false};
};

}  // namespace leadscout::batch::detail

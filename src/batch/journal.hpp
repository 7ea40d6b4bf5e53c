// The checkpoint journal: <operation>.checkpoint.jsonl, append-only.
//
//   {"journal":"leadscout.batch","version":1,"operation":"demo","fingerprint":"…","items":500,"created_at":"…"}
//   {"id":"lead-1","status":"ok","attempts":1,"duration_ms":1840.2,"result":{…}}
//   {"id":"lead-2","status":"failed","attempts":3,"duration_ms":30000.0,"error":"timeout"}
#pragma once

#include <atomic>
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

/// An open journal file. append() may be called from many threads at once.
///
/// Lines are copied into the file through a shared mapping of a preallocated region
/// (fallocate(2), so the file system has the blocks before a store needs them): when append()
/// returns, the line is in the kernel's page cache, where a killed process (SIGKILL, OOM)
/// cannot lose it, and no system call was made. close() cuts the file to its written length;
/// after a crash, open() cuts the unwritten preallocated tail (NUL bytes). Where the file
/// system cannot preallocate or map, each line is written with pwrite(2) instead.
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
  /// Hands `data` (complete lines) to the OS. Returns 0 or an errno value; after a failure
  /// every later append fails with the same error (nothing is written after a torn tail).
  [[nodiscard]] int append(std::string_view data) noexcept;
  /// Makes everything appended durable (fdatasync). When the file was deleted or replaced
  /// meanwhile (its directory removed), first writes it anew at its path from the open copy;
  /// see take_notice(). Returns 0 or an errno value of the fdatasync.
  int sync() noexcept;
  /// What the last sync() did about a deleted journal file ("" when nothing happened); for
  /// the caller's log.
  [[nodiscard]] std::string take_notice();
  /// Cuts the preallocated tail, syncs and closes.
  void close() noexcept;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  int grow(std::size_t need) noexcept;
  void unmap() noexcept;
  void cut_preallocated_tail() noexcept;
  void relink_if_deleted() noexcept;

  int fd_ = -1;
  std::filesystem::path path_;
  std::atomic<bool> dirty_{false};
  bool relink_failed_ = false;  ///< reported once until it works
  std::string notice_;          ///< sync() and take_notice() run on one thread
  std::mutex gm_;                 ///< guards the members below
  char* map_ = nullptr;           ///< the file's bytes [map_offset_, map_end_)
  std::uint64_t map_offset_ = 0;  ///< page aligned
  std::uint64_t map_end_ = 0;     ///< the preallocated end of the file
  std::uint64_t tail_ = 0;        ///< end of the last appended line
  bool use_pwrite_ = false;       ///< the file system cannot preallocate
  int error_ = 0;
};

}  // namespace leadscout::batch::detail

// The checkpoint journal file, <operation>.checkpoint.jsonl: append-only storage through a shared
// mapping (or pwrite), replay on open, group commit. Its lines are in journal_record.hpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "journal_record.hpp"

namespace leadscout::batch::detail {

/// What open() found.
struct JournalOpenReport {
  bool resumed = false;             ///< an existing journal was read
  std::size_t records = 0;
  std::size_t dropped_lines = 0;    ///< torn or corrupt lines cut off or skipped
  std::string dropped_detail;       ///< a description of the first dropped line
};

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
  void open_locked(const std::filesystem::path& path, const std::string& operation);
  /// After the replay: cuts what follows the last good line and writes the header into an
  /// empty journal; returns the end of the journal.
  std::uint64_t settle(std::uint64_t good_end, const JournalHeader& header);
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

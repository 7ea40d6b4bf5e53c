// Reading log files for leadscout-logs: line-by-line streaming of plain and gzip files, finding
// the files of a log tree, and the rule that counts each event once (internal).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "scanner.hpp"

namespace leadscout::logs_tool {

/// A path that is missing or unreadable; the message names the path. Exit code 2.
class PathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Streams the lines of one file (`.gz` decompressed with zlib) in constant memory.
/// Not thread-safe; one reader per file.
class LineReader {
 public:
  /// Longest line kept whole; a longer one is returned cut and flagged `overlong()`.
  static constexpr std::size_t max_line = std::size_t{4} << 20;

  /// Opens `path`; throws PathError when it cannot be opened.
  explicit LineReader(const std::filesystem::path& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// The next line without its newline; false at the end of the file. The view stays valid
  /// until the next call.
  [[nodiscard]] bool next(std::string_view& line);
  /// 1-based number of the line last returned.
  [[nodiscard]] std::uint64_t line_number() const noexcept { return line_no_; }
  /// The line last returned was longer than max_line and has been cut.
  [[nodiscard]] bool overlong() const noexcept { return overlong_; }
  /// Compressed input ended early or was damaged; set once next() has returned false.
  [[nodiscard]] const std::string& stream_error() const noexcept { return stream_error_; }
  /// Bytes of (decompressed) input consumed so far.
  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }

 private:
  long fill(char* dst, std::size_t n);

  std::string path_;
  int fd_ = -1;
  void* gz_ = nullptr;
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  bool skipping_ = false;
  bool overlong_ = false;
  std::uint64_t line_no_ = 0;
  std::uint64_t bytes_ = 0;
  std::string stream_error_;
};

/// Which default route of the log tree a file belongs to (the logger's default routing table).
enum class FileRole : std::uint8_t {
  operations,      ///< production/operations-DATE.log
  errors,          ///< production/errors-DATE.log
  metrics,         ///< production/metrics-DATE.log
  classification,  ///< debug/classification-DATE.log
  api_calls,       ///< debug/api-calls-DATE.log
  performance,     ///< debug/performance-DATE.log
  other,           ///< anything else
};

/// One input file.
struct InputFile {
  std::filesystem::path path;
  std::string date;        ///< YYYY-MM-DD taken from the name, or empty
  std::string tree;        ///< the log tree it sits in (grandparent directory)
  FileRole role = FileRole::other;
  bool from_directory = false;  ///< found by walking a directory (may vanish while we run)
  std::uint8_t present = 0;     ///< role bits of the files of the same tree, date and instance
  std::string instance;         ///< the writer's instance ("name-DATE.INSTANCE.log"), or empty
};

/// How events written to several files are counted.
enum class DedupMode : std::uint8_t {
  routes,  ///< each event only in the first file of its default routes (constant memory)
  lines,   ///< skip lines seen before, by 64-bit hash (memory grows with distinct lines)
  none,    ///< every line of every file
};

/// The role, date and instance encoded in a file name such as
/// `debug/api-calls-2025-07-06.log.gz` or `production/operations-2025-07-06.shard-1-of-4.log`.
void classify(InputFile& f);

/// True for `*.log` and `*.log.gz`.
[[nodiscard]] bool is_log_name(std::string_view filename) noexcept;

/// The files named by `paths` (files as given, directories walked recursively for `*.log` and
/// `*.log.gz`, skipping files whose first byte is not `{`), sorted by date and path, with
/// `present` filled in. Throws PathError for a missing or unreadable path. Skipped names are
/// appended to `skipped`.
[[nodiscard]] std::vector<InputFile> collect_files(const std::vector<std::string>& paths,
                                                   std::vector<std::string>& skipped);

/// Fills `present` for a set of files (files of the same tree, date and instance share the
/// role bits: each instance's events are routed to its own files).
void mark_present(std::vector<InputFile>& files);

/// --instance: whether `f` belongs to one of `instances` (every file when it is empty).
[[nodiscard]] bool instance_selected(const std::vector<std::string>& instances, const InputFile& f);

/// Under DedupMode::routes: whether this file is the one place where `e` is counted.
[[nodiscard]] bool counted_here(const InputFile& f, const Event& e) noexcept;

/// Today's date as YYYY-MM-DD in UTC or local time.
[[nodiscard]] std::string today_string(bool local);

}  // namespace leadscout::logs_tool

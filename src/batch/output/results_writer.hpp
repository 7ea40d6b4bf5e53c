// A run's result file (Options::results = jsonl_results() or csv_results()): appended as items
// finish, completed from the journal when a run resumes, fsync'ed at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/batch/results_sink.hpp"
#include "leadscout/batch/shard.hpp"
#include "present_ids.hpp"

namespace leadscout::batch::detail {

/// The text of a JSON value in a CSV cell: strings unquoted, null empty, the rest as JSON.
[[nodiscard]] std::string csv_cell(const nlohmann::json& v);

/// The file of a jsonl or csv sink. write() may be called from many threads at once.
class ResultsWriter {
 public:
  ResultsWriter() = default;
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  /// Opens the file for appending (created; emptied when `fresh`), cuts a record a kill left
  /// half-written, and notes the ids it holds for reconcile(). A shard of two or more writes
  /// its own file, the shard's name before the extension (`leads.shard-2-of-4.jsonl`). Throws
  /// Error naming the file.
  void open(const ResultsSink& sink, bool fresh, const std::optional<ShardSpec>& shard);
  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
  /// For an item the journal records as ok: writes its result unless the file holds the id
  /// (now, or by end_reconcile() when the file's order does not tell at once). Returns 0 or
  /// an errno.
  int reconcile(std::string_view id, std::string_view result_json);
  /// Ends the replay: writes the results still owed and frees the ids noted by open().
  /// Returns 0 or an errno.
  int end_reconcile();
  /// Results the replay wrote (the file missed them).
  [[nodiscard]] std::size_t reconciled() const noexcept { return reconciled_; }
  /// Appends one result (its JSON text). Returns 0 or an errno.
  int write(std::string_view id, std::string_view result_json);
  /// fsyncs and closes the file. Returns 0 or an errno.
  int close() noexcept;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  void scan_existing(std::string_view kind_name);
  /// Writes the held results whose ids the file lacks. Returns 0 or an errno.
  int settle_unmatched();
  [[nodiscard]] std::string line(std::string_view id, std::string_view result_json);

  ResultsSink::Kind kind_ = ResultsSink::Kind::none;
  std::filesystem::path path_;
  int fd_ = -1;
  std::mutex mu_;
  std::vector<std::string> columns_;  ///< csv: the result columns, fixed by the header
  bool header_written_ = false;
  bool objects_ = true;                  ///< csv: results are objects spread over columns
  PresentIds present_;                   ///< the ids in the file
  struct Unmatched {
    std::uint64_t key;
    std::string id;
    std::string result_json;
  };
  std::vector<Unmatched> unmatched_;     ///< journaled results the window could not place
  std::size_t unmatched_bytes_ = 0;
  std::size_t reconciled_ = 0;
};

}  // namespace leadscout::batch::detail

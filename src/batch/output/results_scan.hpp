// Reading an existing results file on resume: the ids it holds and where its last whole
// record ends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leadscout/batch/results_sink.hpp"
#include "present_ids.hpp"

namespace leadscout::batch::detail {

/// What scan_results_file() found.
struct ResultsFileScan {
  std::uint64_t complete = 0;        ///< the end of the last whole record
  bool has_header = false;           ///< csv: the file starts with a header record
  std::vector<std::string> columns;  ///< csv: the header's fields after the first ("id")
};

/// The id of one JSONL result line (without its line break); empty when the line is not a
/// result. A line as the writer writes it (`{"id":"<plain id>","result":...}`) is read
/// without a general JSON parse; any other is scanned in full.
[[nodiscard]] std::string_view jsonl_line_id(std::string_view line, std::string& unescaped);

/// Reads the file behind `fd` from its start in large blocks and adds the result_key() of each
/// id it holds to `ids`, in file order. Throws Error naming `path` when the file cannot be read.
[[nodiscard]] ResultsFileScan scan_results_file(int fd, ResultsSink::Kind kind, const std::string& path,
                                                PresentIds& ids);

}  // namespace leadscout::batch::detail

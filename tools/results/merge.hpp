// Merging the result files of a run's shards (Options::results under a shard spec) into one
// file that holds each id once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace leadscout::results_tool {

/// A file that cannot be read or merged; the message names it.
class MergeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What merge() did.
struct MergeReport {
  std::size_t files = 0;
  std::size_t results = 0;     ///< written
  std::size_t duplicates = 0;  ///< ids seen before, dropped
  std::size_t torn = 0;        ///< half-written last records, dropped
};

/// Merges `inputs` (all JSONL, or all CSV with the same header, by their extension) into
/// `output`, keeping the first record of each id, and replaces `output` atomically. Throws
/// MergeError naming the culprit.
MergeReport merge(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& output);

}  // namespace leadscout::results_tool

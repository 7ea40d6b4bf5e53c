// Batch mode's records in the run's journal, which make it resumable:
//   {"chunk":3,"run":"demo","key":"3-9f…","ids":[…]}   before the batch is created
//   {"chunk":3,"batch":"batch_abc"}                     after
//   {"chunk":3,"done":true}                             once its rows are all finished
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace leadscout::llm::detail {

/// A chunk an earlier run recorded and did not finish.
struct NotedChunk {
  std::uint64_t chunk = 0;
  std::string key;    ///< names it in the batch's metadata
  std::string batch;  ///< the provider's id; empty when its creation was not recorded
  std::vector<std::string> ids;
};

/// The unfinished chunks of `notes`, in chunk order; `next_chunk` is set past every chunk named.
[[nodiscard]] std::vector<NotedChunk> unfinished_chunks(const std::vector<std::string>& notes,
                                                        std::uint64_t& next_chunk);

/// "3-" and a digest of the ids in order: names chunk 3 at the provider.
[[nodiscard]] std::string chunk_key(std::uint64_t chunk, const std::vector<std::string>& ids);

[[nodiscard]] std::string chunk_note(std::uint64_t chunk, const std::string& run, const std::string& key,
                                     const std::vector<std::string>& ids);
[[nodiscard]] std::string batch_note(std::uint64_t chunk, const std::string& batch);
[[nodiscard]] std::string done_note(std::uint64_t chunk);

}  // namespace leadscout::llm::detail

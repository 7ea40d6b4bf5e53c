// The rows of the batches a resumed run re-attaches to: which chunk each item waits in, and the
// rows that came back before their item was admitted again (the run admits items in its own
// order and bounded numbers, so a batch may end first).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "batch/batch_api.hpp"

namespace leadscout::llm::detail {

class Reattached {
 public:
  /// Item `id` waits in chunk `chunk`, made by an earlier run.
  void expect(const std::string& id, std::uint64_t chunk) { chunk_of_[id] = chunk; }
  /// The earlier run's chunk of item `id`; 0 when it is in none.
  [[nodiscard]] std::uint64_t chunk_of(const std::string& id) const;
  /// Keeps `row` of chunk `chunk` when its item `id` waits in that chunk and is not admitted
  /// yet; false otherwise.
  bool keep(const std::string& id, std::uint64_t chunk, const BatchRow& row);
  /// The row kept for item `id`, taken out.
  [[nodiscard]] std::optional<BatchRow> take_row(const std::string& id);
  /// Every item was admitted: rows still kept belong to items an earlier run finished.
  void admission_ended() {
    ended_ = true;
    rows_.clear();
  }

 private:
  bool ended_ = false;
  std::unordered_map<std::string, std::uint64_t> chunk_of_;
  std::unordered_map<std::string, BatchRow> rows_;
};

}  // namespace leadscout::llm::detail

#include "batch/reattached.hpp"

namespace leadscout::llm::detail {

std::uint64_t Reattached::chunk_of(const std::string& id) const {
  const auto it = chunk_of_.find(id);
  return it == chunk_of_.end() ? 0 : it->second;
}

bool Reattached::keep(const std::string& id, std::uint64_t chunk, const BatchRow& row) {
  if (ended_ || chunk == 0 || chunk_of(id) != chunk) return false;
  rows_[id] = row;
  return true;
}

std::optional<BatchRow> Reattached::take_row(const std::string& id) {
  const auto it = rows_.find(id);
  if (it == rows_.end()) return std::nullopt;
  BatchRow row = std::move(it->second);
  rows_.erase(it);
  return row;
}

}  // namespace leadscout::llm::detail

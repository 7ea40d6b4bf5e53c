// The ids a results file holds, checked against the journal's ok records as they replay.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "journal/digest_index.hpp"

namespace leadscout::batch::detail {

/// 63 evenly spread bits of an id (bit 0 is clear), eight bytes hashed at a time.
[[nodiscard]] std::uint64_t result_key(std::string_view id) noexcept;

/// The ids of a results file, by result_key() in file order, and whether the file holds the
/// ids of journaled results. A worker journals a result and then writes it, so the journal and
/// the file list results in about the same order: match() looks in a window of the file keys
/// just ahead of the last match, touching only memory already in cache. What the window
/// misses, contains() answers for a whole batch in one pass over the file keys (or, after a
/// few such passes, from a sorted index), so a file that agrees with the journal is checked
/// sequentially, without a random read per result.
class PresentIds {
 public:
  PresentIds();
  /// The next id of the file.
  void add(std::uint64_t key) { keys_.push_back(key & ~kMatched); }
  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }
  /// True when the window holds `key` (the file holds the id); false when it does not know:
  /// ask contains().
  [[nodiscard]] bool match(std::uint64_t key);
  /// Whether the file holds each of `keys` (anywhere), into `found`.
  void contains(std::span<const std::uint64_t> keys, std::vector<bool>& found);
  /// Frees everything.
  void clear() noexcept;

 private:
  static constexpr std::uint64_t kMatched = 1;  ///< bit 0 of a file key: a match took it
  static constexpr std::size_t kEmpty = static_cast<std::size_t>(-1);

  [[nodiscard]] std::size_t home(std::uint64_t key) const noexcept;
  void insert(std::size_t position);
  void erase_slot(std::size_t slot) noexcept;
  void evict_oldest();
  void scan_for(std::span<const std::uint64_t> keys, std::vector<bool>& found) const;
  void sort_keys();

  std::vector<std::uint64_t> keys_;  ///< file order until sort_keys()
  std::vector<std::size_t> slots_;   ///< the window: positions in keys_, linear probing
  std::size_t window_count_ = 0;
  std::size_t oldest_ = 0;           ///< no position before it is in the window
  std::size_t next_ = 0;             ///< the next position to enter the window
  std::size_t reach_ = 0;            ///< one past the furthest match
  std::size_t passes_ = 0;           ///< contains() passes over the file keys
  bool sorted_ = false;
  HashDirectory directory_;          ///< over keys_ once sorted
};

}  // namespace leadscout::batch::detail

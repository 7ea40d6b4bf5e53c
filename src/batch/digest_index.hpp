// The resume index of a streamed input: a 128-bit digest of every journaled id and whether it
// finished ok, in 16 bytes per id (plus about one byte of directory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace leadscout::batch::detail {

/// 127 bits of an id (two independent 64-bit hashes): a false match needs about 2^63 ids.
struct IdDigest {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;  ///< the lowest bit is free: DigestIndex keeps the outcome there
};

/// The digest of `id`, whose stable_hash() is `id_hash`.
[[nodiscard]] IdDigest id_digest(std::string_view id, std::uint64_t id_hash) noexcept;

/// Journaled ids and their outcome. add() while replaying, freeze() once, then find().
class DigestIndex {
 public:
  enum class Outcome : std::uint8_t { none, ok, failed };

  /// Room for about `expected` ids, so the common case never reallocates.
  void reserve(std::size_t expected) { entries_.reserve(expected); }
  /// An id the journal records; an ok record wins over failed ones of the same id.
  void add(const IdDigest& digest, bool ok);
  /// Sorts, merges repeats and builds the directory.
  void freeze();
  [[nodiscard]] Outcome find(const IdDigest& digest) const noexcept;
  /// Distinct ids (after freeze()).
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  /// Heap bytes held.
  [[nodiscard]] std::size_t bytes() const noexcept;

 private:
  std::vector<IdDigest> entries_;       ///< sorted by (hi, lo) after freeze()
  std::vector<std::uint32_t> directory_;  ///< first entry of each bucket of `hi`'s top bits
  unsigned shift_ = 64;
};

}  // namespace leadscout::batch::detail

// The resume index of a streamed input: a 128-bit digest of every journaled id and whether it
// finished ok, in 16 bytes per id (plus about one byte of directory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace leadscout::batch::detail {

/// 127 bits of an id (two independent 64-bit hashes): a false match needs about 2^63 ids.
struct IdDigest {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;  ///< the lowest bit is free: DigestIndex keeps the outcome there
};

/// The digest of `id`, whose stable_hash() is `id_hash`.
[[nodiscard]] IdDigest id_digest(std::string_view id, std::uint64_t id_hash) noexcept;
/// id_digest(id, stable_hash(id)).hi: 64 evenly spread bits of an id.
[[nodiscard]] std::uint64_t id_key(std::string_view id) noexcept;

/// Buckets over the top bits of sorted, evenly spread 64-bit keys (about four keys each): the
/// keys equal to k lie in range(k), found with one read of the directory.
class HashDirectory {
 public:
  /// Over `count` sorted keys, key_at(i) being the i-th.
  template <class KeyAt>
  void build(std::size_t count, KeyAt key_at) {
    unsigned bits = 0;
    while (bits < 32 && (std::size_t{1} << (bits + 2)) < count) ++bits;
    shift_ = 64 - bits;
    first_.assign((std::size_t{1} << bits) + 1, 0);
    std::size_t e = 0;
    for (std::size_t b = 0; b + 1 < first_.size(); ++b) {
      first_[b] = static_cast<std::uint32_t>(e);
      while (e < count && bucket(key_at(e)) == b) ++e;
    }
    first_.back() = static_cast<std::uint32_t>(count);
  }
  /// [begin, end) of the keys in k's bucket.
  [[nodiscard]] std::pair<std::size_t, std::size_t> range(std::uint64_t k) const noexcept {
    const std::size_t b = bucket(k);
    return {first_[b], first_[b + 1]};
  }
  /// Where range(k) reads, to prefetch it.
  [[nodiscard]] const std::uint32_t* slot(std::uint64_t k) const noexcept { return &first_[bucket(k)]; }
  [[nodiscard]] bool empty() const noexcept { return first_.empty(); }
  [[nodiscard]] std::size_t bytes() const noexcept { return first_.capacity() * sizeof(std::uint32_t); }

 private:
  [[nodiscard]] std::size_t bucket(std::uint64_t k) const noexcept {
    return shift_ == 64 ? 0 : static_cast<std::size_t>(k >> shift_);
  }
  std::vector<std::uint32_t> first_;
  unsigned shift_ = 64;
};

/// Journaled ids and their outcome. add() while replaying, freeze() once, then find().
class DigestIndex {
 public:
  enum class Outcome : std::uint8_t { none, ok, failed };

  DigestIndex() = default;
  DigestIndex(const DigestIndex&) = delete;
  DigestIndex& operator=(const DigestIndex&) = delete;
  ~DigestIndex();

  /// An id the journal records; an ok record wins over failed ones of the same id.
  void add(const IdDigest& digest, bool ok);
  /// Sorts, merges repeats and builds the directory.
  void freeze();
  [[nodiscard]] Outcome find(const IdDigest& digest) const noexcept;
  /// find() of each digest into `out` (of the same size), with the memory of later lookups
  /// fetched while earlier ones resolve: many times faster than one find() after another.
  void find_many(std::span<const IdDigest> digests, std::span<Outcome> out) const noexcept;
  /// Distinct ids (after freeze()).
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Bytes held.
  [[nodiscard]] std::size_t bytes() const noexcept;

 private:
  /// Room for `entries`: an anonymous mapping that grows in place (mremap), so adding never
  /// copies and the resident size is what is used. Lookups land anywhere in the index: huge
  /// pages spare them a TLB miss each.
  void reserve(std::size_t entries);

  IdDigest* entries_ = nullptr;  ///< in journal order until freeze() sorts them by (hi, lo)
  std::size_t size_ = 0;
  std::size_t mapped_bytes_ = 0;
  HashDirectory directory_;  ///< over `hi`
};

}  // namespace leadscout::batch::detail

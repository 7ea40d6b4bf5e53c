// The resume index of a streamed input: sorted digests and a directory over their top bits.
#include "digest_index.hpp"

#include <algorithm>
#include <cstring>

namespace leadscout::batch::detail {

namespace {

std::uint64_t finalize(std::uint64_t x) noexcept {  // splitmix64's finalizer: a bijection
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Independent of FNV (stable_hash): eight bytes at a time, multiplied and folded.
std::uint64_t word_hash(std::string_view s) noexcept {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = finalize(h ^ w) + 0x632be59bd9b4e019ULL;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  return finalize(h ^ tail ^ 0xd6e8feb86659fd93ULL);
}

bool less(const IdDigest& a, const IdDigest& b) noexcept { return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo; }
bool same_id(const IdDigest& a, const IdDigest& b) noexcept { return a.hi == b.hi && (a.lo >> 1) == (b.lo >> 1); }

}  // namespace

IdDigest id_digest(std::string_view id, std::uint64_t id_hash) noexcept {
  return IdDigest{finalize(id_hash), word_hash(id) & ~std::uint64_t{1}};
}

void DigestIndex::add(const IdDigest& digest, bool ok) {
  entries_.push_back(IdDigest{digest.hi, (digest.lo & ~std::uint64_t{1}) | (ok ? 1U : 0U)});
}

void DigestIndex::freeze() {
  std::sort(entries_.begin(), entries_.end(), less);
  // Repeats are adjacent, failed (bit 0) before ok (bit 1): keep the last of each id.
  std::size_t out = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (i + 1 < entries_.size() && same_id(entries_[i], entries_[i + 1])) continue;
    entries_[out++] = entries_[i];
  }
  entries_.resize(out);
  entries_.shrink_to_fit();
  // About four entries per bucket: a lookup reads one directory pair and a few entries.
  unsigned bits = 0;
  while (bits < 32 && (std::size_t{1} << (bits + 2)) < entries_.size()) ++bits;
  shift_ = 64 - bits;
  directory_.assign((std::size_t{1} << bits) + 1, 0);
  std::size_t e = 0;
  for (std::size_t b = 0; b + 1 < directory_.size(); ++b) {
    directory_[b] = static_cast<std::uint32_t>(e);
    while (e < entries_.size() && (bits == 0 ? 0 : entries_[e].hi >> shift_) == b) ++e;
  }
  directory_.back() = static_cast<std::uint32_t>(entries_.size());
}

DigestIndex::Outcome DigestIndex::find(const IdDigest& digest) const noexcept {
  if (entries_.empty()) return Outcome::none;
  const std::size_t b = shift_ == 64 ? 0 : static_cast<std::size_t>(digest.hi >> shift_);
  for (std::size_t e = directory_[b], end = directory_[b + 1]; e < end; ++e) {
    if (same_id(entries_[e], digest)) return (entries_[e].lo & 1U) != 0 ? Outcome::ok : Outcome::failed;
    if (entries_[e].hi > digest.hi) break;
  }
  return Outcome::none;
}

std::size_t DigestIndex::bytes() const noexcept {
  return entries_.capacity() * sizeof(IdDigest) + directory_.capacity() * sizeof(std::uint32_t);
}

}  // namespace leadscout::batch::detail

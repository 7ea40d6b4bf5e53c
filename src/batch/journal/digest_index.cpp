// The resume index of a streamed input: sorted digests and a directory over their top bits.
#include "digest_index.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <new>
#include <vector>

#include "journal/fast_hash.hpp"
#include "leadscout/batch/shard.hpp"

namespace leadscout::batch::detail {

namespace {

constexpr std::size_t kInitial = std::size_t{1} << 17;  // entries of the first mapping (2 MiB)
constexpr std::size_t kHugePage = std::size_t{2} << 20;

bool same_id(const IdDigest& a, const IdDigest& b) noexcept { return a.hi == b.hi && (a.lo >> 1) == (b.lo >> 1); }

// A lambda, not a function: std::sort inlines it.
constexpr auto digest_less = [](const IdDigest& a, const IdDigest& b) noexcept {
  return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo;
};

// Sorts by (hi, lo): the digests are first moved in place into buckets by the top bits of hi
// (one pass, no second copy of the index), then each small bucket is sorted in cache.
void sort_digests(IdDigest* a, std::size_t n) {
  constexpr unsigned kBits = 8;
  constexpr std::size_t kBuckets = std::size_t{1} << kBits;
  if (n < kBuckets * 256) {
    std::sort(a, a + n, digest_less);
    return;
  }
  auto top = [](const IdDigest& d) { return static_cast<std::size_t>(d.hi >> (64 - kBits)); };
  std::vector<std::size_t> next(kBuckets + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++next[top(a[i]) + 1];
  for (std::size_t b = 1; b <= kBuckets; ++b) next[b] += next[b - 1];
  std::vector<std::size_t> end(next.begin() + 1, next.end());
  for (std::size_t b = 0; b < kBuckets; ++b) {
    while (next[b] < end[b]) {
      IdDigest v = a[next[b]];
      for (std::size_t t = top(v); t != b; t = top(v)) std::swap(v, a[next[t]++]);
      a[next[b]++] = v;
    }
  }
  for (std::size_t b = 0, begin = 0; b < kBuckets; begin = end[b++]) std::sort(a + begin, a + end[b], digest_less);
}

}  // namespace

IdDigest id_digest(std::string_view id, std::uint64_t id_hash) noexcept {
  return IdDigest{splitmix_finalize(id_hash), word_hash(id) & ~std::uint64_t{1}};
}

DigestIndex::~DigestIndex() {
  if (entries_ != nullptr) ::munmap(entries_, mapped_bytes_);
}

std::uint64_t id_key(std::string_view id) noexcept { return splitmix_finalize(stable_hash(id)); }

void DigestIndex::reserve(std::size_t entries) {
  const std::size_t bytes = (entries * sizeof(IdDigest) + kHugePage - 1) / kHugePage * kHugePage;
  void* p = entries_ == nullptr
                ? ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                : ::mremap(entries_, mapped_bytes_, bytes, MREMAP_MAYMOVE);
  if (p == MAP_FAILED) throw std::bad_alloc();
  (void)::madvise(p, bytes, MADV_HUGEPAGE);  // a hint: without it lookups are slower, not wrong
  entries_ = static_cast<IdDigest*>(p);
  mapped_bytes_ = bytes;
}

void DigestIndex::add(const IdDigest& digest, bool ok) {
  if ((size_ + 1) * sizeof(IdDigest) > mapped_bytes_) reserve(std::max(kInitial, 2 * size_));
  entries_[size_++] = IdDigest{digest.hi, (digest.lo & ~std::uint64_t{1}) | (ok ? 1U : 0U)};
}

void DigestIndex::freeze() {
  sort_digests(entries_, size_);
  // Repeats are adjacent, failed (bit 0) before ok (bit 1): keep the last of each id.
  std::size_t out = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    if (i + 1 < size_ && same_id(entries_[i], entries_[i + 1])) continue;
    entries_[out++] = entries_[i];
  }
  size_ = out;
  directory_.build(size_, [this](std::size_t i) { return entries_[i].hi; });
}

DigestIndex::Outcome DigestIndex::find(const IdDigest& digest) const noexcept {
  if (size_ == 0) return Outcome::none;
  const auto [begin, end] = directory_.range(digest.hi);
  for (std::size_t e = begin; e < end; ++e) {
    if (same_id(entries_[e], digest)) return (entries_[e].lo & 1U) != 0 ? Outcome::ok : Outcome::failed;
    if (entries_[e].hi > digest.hi) break;
  }
  return Outcome::none;
}

void DigestIndex::find_many(std::span<const IdDigest> digests, std::span<Outcome> out) const noexcept {
  // Two stages ahead: the directory slot of lookup i + 16, the first entry of lookup i + 8.
  constexpr std::size_t kDirectoryAhead = 16, kEntryAhead = 8;
  const std::size_t n = digests.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (size_ != 0) {
      if (i + kDirectoryAhead < n) __builtin_prefetch(directory_.slot(digests[i + kDirectoryAhead].hi));
      if (i + kEntryAhead < n) __builtin_prefetch(entries_ + *directory_.slot(digests[i + kEntryAhead].hi));
    }
    out[i] = find(digests[i]);
  }
}

std::size_t DigestIndex::bytes() const noexcept {
  return mapped_bytes_ + directory_.bytes();
}

}  // namespace leadscout::batch::detail

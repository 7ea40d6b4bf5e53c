// The ids of a results file against the journal: a window for the common order, passes for
// the rest.
#include "present_ids.hpp"

#include <algorithm>

#include "journal/fast_hash.hpp"

namespace leadscout::batch::detail {

namespace {

constexpr unsigned kSlotBits = 14;
constexpr std::size_t kSlots = std::size_t{1} << kSlotBits;
constexpr std::size_t kMaxWindow = kSlots / 2;  // linear probing stays short at half load
// How far past the furthest match the window reaches: results written out of journal order
// (many workers, or a resumed run completing the file) are rarely further apart than this.
constexpr std::size_t kLead = 2048;
// Passes over every file key before a sorted index pays off.
constexpr std::size_t kPassesBeforeSort = 4;

}  // namespace

// The id digests' second hash: a key is only compared with keys of this process.
std::uint64_t result_key(std::string_view id) noexcept { return word_hash(id) & ~std::uint64_t{1}; }

PresentIds::PresentIds() = default;

std::size_t PresentIds::home(std::uint64_t key) const noexcept {
  return static_cast<std::size_t>(key >> (64 - kSlotBits));
}

void PresentIds::insert(std::size_t position) {
  std::size_t s = home(keys_[position]);
  while (slots_[s] != kEmpty) s = (s + 1) & (kSlots - 1);
  slots_[s] = position;
  ++window_count_;
}

// Backward-shift deletion keeps every probe sequence unbroken without tombstones.
void PresentIds::erase_slot(std::size_t slot) noexcept {
  std::size_t hole = slot;
  for (std::size_t j = (slot + 1) & (kSlots - 1); slots_[j] != kEmpty; j = (j + 1) & (kSlots - 1)) {
    const std::size_t h = home(keys_[slots_[j]]);
    // The entry at j may move into the hole unless its home lies cyclically in (hole, j].
    const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (!stays) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = kEmpty;
  --window_count_;
}

void PresentIds::evict_oldest() {
  while (oldest_ < next_ && (keys_[oldest_] & kMatched) != 0) ++oldest_;
  if (oldest_ == next_) return;
  for (std::size_t s = home(keys_[oldest_]);; s = (s + 1) & (kSlots - 1)) {
    if (slots_[s] == oldest_) {
      erase_slot(s);
      break;
    }
  }
  ++oldest_;
}

bool PresentIds::match(std::uint64_t key) {
  if (sorted_ || keys_.empty()) return false;
  if (slots_.empty()) slots_.assign(kSlots, kEmpty);
  key &= ~kMatched;
  const std::size_t target = std::min(keys_.size(), reach_ + kLead);
  while (next_ < target) {
    if (window_count_ == kMaxWindow) evict_oldest();
    insert(next_++);
  }
  for (std::size_t s = home(key); slots_[s] != kEmpty; s = (s + 1) & (kSlots - 1)) {
    const std::size_t p = slots_[s];
    if (keys_[p] == key) {  // an unmatched key: a matched one has bit 0 set
      keys_[p] |= kMatched;
      erase_slot(s);
      reach_ = std::max(reach_, p + 1);
      return true;
    }
  }
  return false;
}

void PresentIds::scan_for(std::span<const std::uint64_t> keys, std::vector<bool>& found) const {
  // The wanted keys in a small open-addressing set; one sequential pass marks those seen.
  std::size_t cap = 16;
  while (cap < keys.size() * 2) cap <<= 1;
  const unsigned shift = 64 - static_cast<unsigned>(__builtin_ctzll(cap));
  std::vector<std::uint64_t> set(cap, 0);  // key | 1; 0 is empty
  std::vector<bool> seen(cap, false);
  auto slot_of = [&](std::uint64_t k) {
    std::size_t s = static_cast<std::size_t>(k >> shift);
    while (set[s] != 0 && set[s] != (k | 1U)) s = (s + 1) & (cap - 1);
    return s;
  };
  for (const std::uint64_t k : keys) set[slot_of(k & ~kMatched)] = (k & ~kMatched) | 1U;
  for (const std::uint64_t f : keys_) {
    const std::uint64_t k = f & ~kMatched;
    for (std::size_t s = static_cast<std::size_t>(k >> shift); set[s] != 0; s = (s + 1) & (cap - 1)) {
      if (set[s] == (k | 1U)) {
        seen[s] = true;
        break;
      }
    }
  }
  for (std::size_t i = 0; i < keys.size(); ++i) found[i] = seen[slot_of(keys[i] & ~kMatched)];
}

void PresentIds::sort_keys() {
  for (auto& k : keys_) k &= ~kMatched;
  std::sort(keys_.begin(), keys_.end());
  directory_.build(keys_.size(), [this](std::size_t i) { return keys_[i]; });
  std::vector<std::size_t>().swap(slots_);
  sorted_ = true;
}

void PresentIds::contains(std::span<const std::uint64_t> keys, std::vector<bool>& found) {
  found.assign(keys.size(), false);
  if (keys.empty() || keys_.empty()) return;
  if (!sorted_ && passes_++ < kPassesBeforeSort) {
    scan_for(keys, found);
    return;
  }
  if (!sorted_) sort_keys();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::uint64_t k = keys[i] & ~kMatched;
    const auto [begin, end] = directory_.range(k);
    for (std::size_t e = begin; e < end && keys_[e] <= k; ++e) {
      if (keys_[e] == k) {
        found[i] = true;
        break;
      }
    }
  }
}

void PresentIds::clear() noexcept {
  std::vector<std::uint64_t>().swap(keys_);
  std::vector<std::size_t>().swap(slots_);
  directory_ = HashDirectory();
  window_count_ = oldest_ = next_ = reach_ = passes_ = 0;
  sorted_ = false;
}

}  // namespace leadscout::batch::detail

// A fast 64-bit string hash, independent of stable_hash() (FNV): the second half of an id's
// digest and the key of a results file's ids.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace leadscout::batch::detail {

/// splitmix64's finalizer: a bijection that spreads every input bit over the whole word.
[[nodiscard]] inline std::uint64_t splitmix_finalize(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Eight bytes at a time, each word folded in by splitmix_finalize().
[[nodiscard]] inline std::uint64_t word_hash(std::string_view s) noexcept {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = splitmix_finalize(h ^ w) + 0x632be59bd9b4e019ULL;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  return splitmix_finalize(h ^ tail ^ 0xd6e8feb86659fd93ULL);
}

}  // namespace leadscout::batch::detail

// memcpy for the short strings of an event (keys, names, words) without a library call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace leadscout::log::detail {

/// Copies n bytes, sizeof(Word) <= n <= 2 * sizeof(Word), as two overlapping words.
template <class Word>
inline void copy_as_two_words(char* out, const char* s, std::size_t n) noexcept {
  Word head, tail;
  std::memcpy(&head, s, sizeof head);
  std::memcpy(&tail, s + n - sizeof tail, sizeof tail);
  std::memcpy(out, &head, sizeof head);
  std::memcpy(out + n - sizeof tail, &tail, sizeof tail);
}

/// Copies n bytes from s to out and returns out + n. Up to 16 bytes take two overlapping loads
/// and stores of a fixed width; longer strings go to memcpy.
inline char* put_bytes(char* out, const char* s, std::size_t n) noexcept {
  if (n > 16) {
    std::memcpy(out, s, n);
  } else if (n >= 8) {
    copy_as_two_words<std::uint64_t>(out, s, n);
  } else if (n >= 4) {
    copy_as_two_words<std::uint32_t>(out, s, n);
  } else if (n != 0) {
    out[0] = s[0];
    out[n / 2] = s[n / 2];
    out[n - 1] = s[n - 1];
  }
  return out + n;
}

}  // namespace leadscout::log::detail

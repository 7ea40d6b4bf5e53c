// memcpy for the short strings of an event (keys, names, words) without a library call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace leadscout::log::detail {

/// Copies n bytes from s to out and returns out + n. Up to 16 bytes take two overlapping loads
/// and stores of a fixed width; longer strings go to memcpy.
inline char* put_bytes(char* out, const char* s, std::size_t n) noexcept {
  if (n > 16) {
    std::memcpy(out, s, n);
  } else if (n >= 8) {
    std::uint64_t head, tail;
    std::memcpy(&head, s, 8);
    std::memcpy(&tail, s + n - 8, 8);
    std::memcpy(out, &head, 8);
    std::memcpy(out + n - 8, &tail, 8);
  } else if (n >= 4) {
    std::uint32_t head, tail;
    std::memcpy(&head, s, 4);
    std::memcpy(&tail, s + n - 4, 4);
    std::memcpy(out, &head, 4);
    std::memcpy(out + n - 4, &tail, 4);
  } else if (n != 0) {
    out[0] = s[0];
    out[n / 2] = s[n / 2];
    out[n - 1] = s[n - 1];
  }
  return out + n;
}

}  // namespace leadscout::log::detail

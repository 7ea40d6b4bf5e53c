// The caller's fast path: an event whose fields are all scalars or strings is encoded straight
// into its queue slot, with no std::string in between and no growth checks per byte.
//
// The bytes are exactly those encode_event() writes for the same arguments, so the backend
// decodes both alike; events with arrays, objects, conversions or an exception take
// encode_event() instead.
#pragma once

#include <cstddef>
#include <string_view>

#include "encoding.hpp"

namespace leadscout::log::detail {

/// Everything of an event that the direct encoder writes.
struct DirectEvent {
  std::uint32_t category = 0;
  std::string_view event;
  std::string_view context;
  std::string_view bound;
  Fields fields;
  const SourceView* source = nullptr;
};

/// The payload's size in bytes, or 0 when a field needs encode_event() (or the event would
/// not fit the 32-bit lengths of the format).
[[nodiscard]] std::size_t direct_size(const DirectEvent& e) noexcept;

/// Writes the payload of direct_size(e) bytes (which must not be 0) to out.
void direct_encode(const DirectEvent& e, char* out) noexcept;

}  // namespace leadscout::log::detail

// The caller's fast path: an event whose fields are all scalars or strings is encoded straight
// into its queue record, in one pass, with no std::string in between. Inline: the call's
// fields stay in registers instead of passing through a DirectEvent in memory.
//
// The bytes are exactly those encode_event() writes for the same arguments, so the backend
// decodes both alike; events with arrays, objects, conversions or an exception take
// encode_event() instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "encoding.hpp"
#include "short_copy.hpp"

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

namespace direct {

inline char* put_u32(char* out, std::size_t n) noexcept {
  const auto v = static_cast<std::uint32_t>(n);
  std::memcpy(out, &v, 4);
  return out + 4;
}

inline char* put_str(char* out, std::string_view s) noexcept { return put_bytes(put_u32(out, s.size()), s.data(), s.size()); }

template <class T>
inline char* put_raw(char* out, T v) noexcept {
  std::memcpy(out, &v, sizeof v);
  return out + sizeof v;
}

/// Writes one field, or returns nullptr when it needs encode_event() or does not fit.
inline char* put_field(char* out, const char* end, const Field& f) noexcept {
  const Value& v = f.value;
  const std::size_t string_size = v.kind() == Value::Kind::string ? v.as_string().size() : 0;
  // kind, key length, key, and the largest scalar (8) or a string's length and bytes
  const std::size_t needed = wire::field_head_bytes + f.key.size() + 8 + string_size;
  if (needed > static_cast<std::size_t>(end - out)) return nullptr;
  char* const kind_at = out;
  out = put_str(out + 1, f.key);
  EncodedKind kind = EncodedKind::null;
  switch (v.kind()) {
    case Value::Kind::null: break;
    case Value::Kind::boolean:
      kind = EncodedKind::boolean;
      *out++ = v.as_bool() ? 1 : 0;
      break;
    case Value::Kind::int64: kind = EncodedKind::int64, out = put_raw(out, v.as_int()); break;
    case Value::Kind::uint64: kind = EncodedKind::uint64, out = put_raw(out, v.as_uint()); break;
    case Value::Kind::float64: kind = EncodedKind::float64, out = put_raw(out, v.as_double()); break;
    case Value::Kind::duration_ms: kind = EncodedKind::duration_ms, out = put_raw(out, v.as_double()); break;
    case Value::Kind::character: {
      const char c = v.as_char();
      kind = EncodedKind::string, out = put_str(out, std::string_view(&c, 1));
      break;
    }
    case Value::Kind::string: kind = EncodedKind::string, out = put_str(out, v.as_string()); break;
    default: return nullptr;  // arrays, objects and conversions
  }
  *kind_at = static_cast<char>(kind);
  return out;
}

}  // namespace direct

/// Writes the payload to [out, end) and returns the end of what it wrote; nullptr when a field
/// needs encode_event() or the payload does not fit (what was written is then garbage). The
/// room must be below 4 GiB, so that every length that fits also fits the format's 32 bits.
[[nodiscard, gnu::always_inline]] inline char* direct_encode(const DirectEvent& e, char* out, const char* end) noexcept {
  using namespace direct;
  const std::size_t head = wire::head_bytes + e.event.size() + e.context.size() + e.bound.size();
  if (head > static_cast<std::size_t>(end - out)) return nullptr;
  std::memcpy(out, &e.category, wire::category_bytes);
  out[wire::category_bytes] = static_cast<char>(e.source != nullptr ? wire::has_source : 0);
  out = put_str(out + wire::category_bytes + wire::flags_bytes, e.event);
  out = put_str(out, e.context);
  out = put_str(out, e.bound);
  char* const fields_len_at = out;
  out += wire::length_bytes;
  for (const Field& f : e.fields) {
    out = put_field(out, end, f);
    if (out == nullptr) return nullptr;
  }
  put_u32(fields_len_at, static_cast<std::size_t>(out - fields_len_at - wire::length_bytes));
  if (e.source != nullptr) {
    const std::size_t needed = wire::source_bytes + e.source->file.size() + e.source->function.size();
    if (needed > static_cast<std::size_t>(end - out)) return nullptr;
    out = put_str(out, e.source->file);
    std::memcpy(out, &e.source->line, 4);
    out = put_str(out + 4, e.source->function);
  }
  return out;
}

}  // namespace leadscout::log::detail

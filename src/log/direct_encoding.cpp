#include "direct_encoding.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

namespace leadscout::log::detail {
namespace {

constexpr std::size_t max_str = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t unsupported = std::numeric_limits<std::size_t>::max();

/// Bytes of one field's value after its kind and key, or `unsupported`.
std::size_t value_size(const Value& v) noexcept {
  switch (v.kind()) {
    case Value::Kind::null: return 0;
    case Value::Kind::boolean: return 1;
    case Value::Kind::int64:
    case Value::Kind::uint64:
    case Value::Kind::float64:
    case Value::Kind::duration_ms: return 8;
    case Value::Kind::character: return 4 + 1;
    case Value::Kind::string: return v.as_string().size() <= max_str ? 4 + v.as_string().size() : unsupported;
    default: return unsupported;
  }
}

inline char* put_u32(char* out, std::size_t n) noexcept {
  const auto v = static_cast<std::uint32_t>(n);
  std::memcpy(out, &v, 4);
  return out + 4;
}

inline char* put_str(char* out, std::string_view s) noexcept {
  out = put_u32(out, s.size());
  if (!s.empty()) std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

template <class T>
inline char* put_raw(char* out, T v) noexcept {
  std::memcpy(out, &v, sizeof v);
  return out + sizeof v;
}

char* put_field(char* out, const Field& f) noexcept {
  char* const kind_at = out;
  out = put_str(out + 1, f.key);
  const Value& v = f.value;
  EncodedKind kind = EncodedKind::null;
  switch (v.kind()) {
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
    default: break;  // null; direct_size() turned the others away
  }
  *kind_at = static_cast<char>(kind);
  return out;
}

}  // namespace

std::size_t direct_size(const DirectEvent& e) noexcept {
  std::size_t fields = 0;
  for (const Field& f : e.fields) {
    const std::size_t value = value_size(f.value);
    if (value == unsupported || f.key.size() > max_str) return 0;
    fields += 1 + 4 + f.key.size() + value;
  }
  std::size_t n = 4 + 1 + 4 + e.event.size() + 4 + e.context.size() + 4 + e.bound.size() + 4 + fields;
  if (e.source != nullptr) n += 4 + e.source->file.size() + 4 + 4 + e.source->function.size();
  const bool fits = fields <= max_str && e.event.size() <= max_str && e.context.size() <= max_str &&
                    e.bound.size() <= max_str &&
                    (e.source == nullptr || (e.source->file.size() <= max_str && e.source->function.size() <= max_str));
  return fits ? n : 0;
}

void direct_encode(const DirectEvent& e, char* out) noexcept {
  std::memcpy(out, &e.category, 4);
  out[4] = static_cast<char>(e.source != nullptr ? 2 : 0);
  out = put_str(out + 5, e.event);
  out = put_str(out, e.context);
  out = put_str(out, e.bound);
  char* const fields_len_at = out;
  out += 4;
  for (const Field& f : e.fields) out = put_field(out, f);
  put_u32(fields_len_at, static_cast<std::size_t>(out - fields_len_at - 4));
  if (e.source != nullptr) {
    out = put_str(out, e.source->file);
    std::memcpy(out, &e.source->line, 4);
    out = put_str(out + 4, e.source->function);
  }
}

}  // namespace leadscout::log::detail

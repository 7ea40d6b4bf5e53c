#include "encoding.hpp"

#include <cstring>
#include <string>

namespace leadscout::log::detail {
namespace {

template <class T>
void put(std::string& out, T v) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));
  out.append(bytes, sizeof(T));
}

void put_str(std::string& out, std::string_view s) {
  put(out, static_cast<std::uint32_t>(s.size()));
  out.append(s.data(), s.size());
}

void put_kind(std::string& out, EncodedKind k, std::string_view key) {
  out.push_back(static_cast<char>(k));
  put_str(out, key);
}

template <class Signed>
std::int64_t read_signed(const void* p, std::size_t i) {
  Signed v;
  std::memcpy(&v, static_cast<const char*>(p) + i * sizeof(Signed), sizeof(Signed));
  return static_cast<std::int64_t>(v);
}

template <class Unsigned>
std::uint64_t read_unsigned(const void* p, std::size_t i) {
  Unsigned v;
  std::memcpy(&v, static_cast<const char*>(p) + i * sizeof(Unsigned), sizeof(Unsigned));
  return static_cast<std::uint64_t>(v);
}

std::int64_t signed_element(const Value& v, std::size_t i) {
  switch (v.element_size()) {
    case 1: return read_signed<std::int8_t>(v.array_data(), i);
    case 2: return read_signed<std::int16_t>(v.array_data(), i);
    case 4: return read_signed<std::int32_t>(v.array_data(), i);
    default: return read_signed<std::int64_t>(v.array_data(), i);
  }
}

std::uint64_t unsigned_element(const Value& v, std::size_t i) {
  switch (v.element_size()) {
    case 1: return read_unsigned<std::uint8_t>(v.array_data(), i);
    case 2: return read_unsigned<std::uint16_t>(v.array_data(), i);
    case 4: return read_unsigned<std::uint32_t>(v.array_data(), i);
    default: return read_unsigned<std::uint64_t>(v.array_data(), i);
  }
}

double float_element(const Value& v, std::size_t i) {
  if (v.element_size() == sizeof(float)) {
    float f;
    std::memcpy(&f, static_cast<const char*>(v.array_data()) + i * sizeof(float), sizeof(float));
    return f;
  }
  double d;
  std::memcpy(&d, static_cast<const char*>(v.array_data()) + i * sizeof(double), sizeof(double));
  return d;
}

void encode_field(std::string& out, const Field& f) {
  const Value& v = f.value;
  const std::size_t n = v.array_size();
  switch (v.kind()) {
    case Value::Kind::null: put_kind(out, EncodedKind::null, f.key); break;
    case Value::Kind::boolean:
      put_kind(out, EncodedKind::boolean, f.key);
      out.push_back(v.as_bool() ? 1 : 0);
      break;
    case Value::Kind::int64: put_kind(out, EncodedKind::int64, f.key), put(out, v.as_int()); break;
    case Value::Kind::uint64: put_kind(out, EncodedKind::uint64, f.key), put(out, v.as_uint()); break;
    case Value::Kind::float64: put_kind(out, EncodedKind::float64, f.key), put(out, v.as_double()); break;
    case Value::Kind::duration_ms: put_kind(out, EncodedKind::duration_ms, f.key), put(out, v.as_double()); break;
    case Value::Kind::string: put_kind(out, EncodedKind::string, f.key), put_str(out, v.as_string()); break;
    case Value::Kind::character: {
      const char c = v.as_char();
      put_kind(out, EncodedKind::string, f.key);
      put_str(out, std::string_view(&c, 1));
      break;
    }
    case Value::Kind::string_array:
    case Value::Kind::string_view_array:
    case Value::Kind::cstring_array: {
      put_kind(out, EncodedKind::string_array, f.key);
      const std::size_t len_at = out.size();
      put(out, std::uint32_t{0});  // byte length, patched below
      put(out, static_cast<std::uint32_t>(n));
      for (std::size_t i = 0; i < n; ++i) {
        if (v.kind() == Value::Kind::string_array) {
          put_str(out, static_cast<const std::string*>(v.array_data())[i]);
        } else if (v.kind() == Value::Kind::string_view_array) {
          put_str(out, static_cast<const std::string_view*>(v.array_data())[i]);
        } else {
          const char* s = static_cast<const char* const*>(v.array_data())[i];
          put_str(out, s != nullptr ? std::string_view(s) : std::string_view("null"));
        }
      }
      const auto bytes = static_cast<std::uint32_t>(out.size() - len_at - 8);
      std::memcpy(out.data() + len_at, &bytes, 4);
      break;
    }
    case Value::Kind::int_array:
    case Value::Kind::uint_array:
    case Value::Kind::float_array: {
      const auto kind = v.kind() == Value::Kind::int_array    ? EncodedKind::int_array
                        : v.kind() == Value::Kind::uint_array ? EncodedKind::uint_array
                                                              : EncodedKind::float_array;
      put_kind(out, kind, f.key);
      put(out, static_cast<std::uint32_t>(n * 8));
      put(out, static_cast<std::uint32_t>(n));
      for (std::size_t i = 0; i < n; ++i) {
        if (kind == EncodedKind::int_array) {
          put(out, signed_element(v, i));
        } else if (kind == EncodedKind::uint_array) {
          put(out, unsigned_element(v, i));
        } else {
          put(out, float_element(v, i));
        }
      }
      break;
    }
  }
}

/// A bounds-checked reader over a payload.
class Reader {
 public:
  explicit Reader(std::string_view data) : rest_(data) {}
  template <class T>
  bool get(T& v) {
    if (rest_.size() < sizeof(T)) return false;
    std::memcpy(&v, rest_.data(), sizeof(T));
    rest_.remove_prefix(sizeof(T));
    return true;
  }
  bool bytes(std::size_t n, std::string_view& out) {
    if (rest_.size() < n) return false;
    out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }
  bool str(std::string_view& out) {
    std::uint32_t n;
    return get(n) && bytes(n, out);
  }
  [[nodiscard]] bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

bool decode_fields(std::string_view blob, std::vector<DecodedField>& out) {
  Reader r(blob);
  while (!r.empty()) {
    DecodedField f;
    std::uint8_t kind;
    if (!r.get(kind) || kind > static_cast<std::uint8_t>(EncodedKind::float_array) || !r.str(f.key)) return false;
    f.kind = static_cast<EncodedKind>(kind);
    bool ok = true;
    switch (f.kind) {
      case EncodedKind::null: break;
      case EncodedKind::boolean: {
        std::uint8_t b;
        ok = r.get(b);
        f.num.b = b != 0;
        break;
      }
      case EncodedKind::int64: ok = r.get(f.num.i); break;
      case EncodedKind::uint64: ok = r.get(f.num.u); break;
      case EncodedKind::float64:
      case EncodedKind::duration_ms: ok = r.get(f.num.d); break;
      case EncodedKind::string: ok = r.str(f.str); break;
      case EncodedKind::string_array:
      case EncodedKind::int_array:
      case EncodedKind::uint_array:
      case EncodedKind::float_array: {
        std::uint32_t bytes;
        ok = r.get(bytes) && r.get(f.array_size) && r.bytes(bytes, f.str);
        if (ok && f.kind != EncodedKind::string_array) ok = bytes == static_cast<std::uint64_t>(f.array_size) * 8;
        break;
      }
    }
    if (!ok) return false;
    out.push_back(f);
  }
  return true;
}

}  // namespace

void encode_fields(std::string& out, Fields fields) {
  for (const Field& f : fields) encode_field(out, f);
}

void encode_event(std::string& out, std::uint32_t category, std::string_view event, std::string_view context,
                  std::string_view bound, Fields fields, std::string_view exception, bool has_exception) {
  out.clear();
  put(out, category);
  out.push_back(has_exception ? 1 : 0);
  put_str(out, event);
  put_str(out, context);
  put_str(out, bound);
  const std::size_t len_at = out.size();
  put(out, std::uint32_t{0});
  encode_fields(out, fields);
  const auto bytes = static_cast<std::uint32_t>(out.size() - len_at - 4);
  std::memcpy(out.data() + len_at, &bytes, 4);
  if (has_exception) put_str(out, exception);
}

bool decode_event(std::string_view payload, DecodedEvent& out) {
  Reader r(payload);
  std::uint8_t flags;
  std::string_view context, bound, fields;
  out.fields.clear();
  out.exception.reset();
  if (!r.get(out.category) || !r.get(flags) || !r.str(out.event) || !r.str(context) || !r.str(bound) ||
      !r.str(fields)) {
    return false;
  }
  if ((flags & 1) != 0) {
    std::string_view ex;
    if (!r.str(ex)) return false;
    out.exception = ex;
  }
  return decode_fields(context, out.fields) && decode_fields(bound, out.fields) && decode_fields(fields, out.fields);
}

}  // namespace leadscout::log::detail

#include "encoding.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
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

// Nesting of the values being written on this thread, across writers: an Object built inside
// a to_log_value conversion starts where that conversion is, so a conversion that returns
// itself, or values nested without end, stop at max_depth.
thread_local int t_depth = 0;

constexpr std::string_view too_deep = "...[too deep]";

void put_string_value(std::string& out, std::string_view key, std::string_view s) {
  put_kind(out, EncodedKind::string, key);
  put_str(out, s);
}

void put_string_array(std::string& out, std::string_view key, const Value& v) {
  const std::size_t n = v.array_size();
  put_kind(out, EncodedKind::string_array, key);
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
}

void put_number_array(std::string& out, std::string_view key, const Value& v) {
  const std::size_t n = v.array_size();
  const auto kind = v.kind() == Value::Kind::int_array    ? EncodedKind::int_array
                    : v.kind() == Value::Kind::uint_array ? EncodedKind::uint_array
                                                          : EncodedKind::float_array;
  put_kind(out, kind, key);
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
  [[nodiscard]] std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

constexpr int max_decode_depth = 64;  // far above what the writer produces; stops hostile input

// depth < 0: nested bytes were checked already (by decode_event), so they are not walked again.
bool read_field(Reader& r, DecodedField& f, int depth);

/// True when blob is a well-formed sequence of fields.
bool valid_fields(std::string_view blob, int depth) {
  if (depth > max_decode_depth) return false;
  Reader r(blob);
  DecodedField f;
  while (!r.empty()) {
    if (!read_field(r, f, depth)) return false;
  }
  return true;
}

bool read_field(Reader& r, DecodedField& f, int depth) {
  std::uint8_t kind;
  f = DecodedField{};
  if (!r.get(kind) || kind > static_cast<std::uint8_t>(EncodedKind::object) || !r.str(f.key)) return false;
  f.kind = static_cast<EncodedKind>(kind);
  switch (f.kind) {
    case EncodedKind::null: return true;
    case EncodedKind::boolean: {
      std::uint8_t b = 0;
      const bool ok = r.get(b);
      f.num.b = b != 0;
      return ok;
    }
    case EncodedKind::int64: return r.get(f.num.i);
    case EncodedKind::uint64: return r.get(f.num.u);
    case EncodedKind::float64:
    case EncodedKind::duration_ms: return r.get(f.num.d);
    case EncodedKind::string: return r.str(f.str);
    case EncodedKind::array:
    case EncodedKind::object: return r.str(f.str) && (depth < 0 || valid_fields(f.str, depth + 1));
    case EncodedKind::string_array:
    case EncodedKind::int_array:
    case EncodedKind::uint_array:
    case EncodedKind::float_array: {
      std::uint32_t bytes;
      if (!r.get(bytes) || !r.get(f.array_size) || !r.bytes(bytes, f.str)) return false;
      return f.kind == EncodedKind::string_array || bytes == static_cast<std::uint64_t>(f.array_size) * 8;
    }
  }
  return false;
}

bool decode_fields(std::string_view blob, std::vector<DecodedField>& out) {
  Reader r(blob);
  while (!r.empty()) {
    DecodedField f;
    if (!read_field(r, f, 0)) return false;
    out.push_back(f);
  }
  return true;
}

}  // namespace

ValueWriter::ValueWriter(std::string& out) noexcept : out_(out), start_(t_depth), reached_(t_depth) {}

void ValueWriter::write(std::string_view key, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::null: put_kind(out_, EncodedKind::null, key); break;
    case Value::Kind::boolean:
      put_kind(out_, EncodedKind::boolean, key);
      out_.push_back(v.as_bool() ? 1 : 0);
      break;
    case Value::Kind::int64: put_kind(out_, EncodedKind::int64, key), put(out_, v.as_int()); break;
    case Value::Kind::uint64: put_kind(out_, EncodedKind::uint64, key), put(out_, v.as_uint()); break;
    case Value::Kind::float64: put_kind(out_, EncodedKind::float64, key), put(out_, v.as_double()); break;
    case Value::Kind::duration_ms: put_kind(out_, EncodedKind::duration_ms, key), put(out_, v.as_double()); break;
    case Value::Kind::string: put_string_value(out_, key, v.as_string()); break;
    case Value::Kind::character: {
      const char c = v.as_char();
      put_string_value(out_, key, std::string_view(&c, 1));
      break;
    }
    case Value::Kind::string_array:
    case Value::Kind::string_view_array:
    case Value::Kind::cstring_array: put_string_array(out_, key, v); break;
    case Value::Kind::int_array:
    case Value::Kind::uint_array:
    case Value::Kind::float_array: put_number_array(out_, key, v); break;
    case Value::Kind::object: {
      const int depth = t_depth + 1 + v.element_size();
      if (depth > max_depth) {
        put_string_value(out_, key, too_deep);
        break;
      }
      reached_ = std::max(reached_, depth);
      put_kind(out_, EncodedKind::object, key);
      put_str(out_, v.as_string());
      break;
    }
    case Value::Kind::converted: write_converted(key, v); break;
  }
}

// A conversion is user code: when it throws, what it wrote is taken back and a marker stands
// in its place, so the event is still written and the encoding stays whole.
void ValueWriter::write_converted(std::string_view key, const Value& v) {
  if (t_depth >= max_depth) {
    put_string_value(out_, key, too_deep);
    return;
  }
  const int depth = t_depth;
  const std::size_t size = out_.size();
  try {
    ++t_depth;
    v.converted_writer()(*this, key, v.converted_object());
  } catch (const std::exception& e) {
    out_.resize(size);
    put_string_value(out_, key, std::string("...[conversion failed: ") + e.what() + "]");
  } catch (...) {
    out_.resize(size);
    put_string_value(out_, key, "...[conversion failed]");
  }
  t_depth = depth;
}

std::optional<std::size_t> ValueWriter::open(std::string_view key, bool object) {
  if (t_depth >= max_depth) {
    put_string_value(out_, key, too_deep);
    return std::nullopt;
  }
  put_kind(out_, object ? EncodedKind::object : EncodedKind::array, key);
  const std::size_t mark = out_.size();
  put(out_, std::uint32_t{0});  // byte length, patched by close()
  reached_ = std::max(reached_, ++t_depth);
  return mark;
}

void ValueWriter::close(std::size_t mark) {
  --t_depth;
  const auto bytes = static_cast<std::uint32_t>(out_.size() - mark - 4);
  std::memcpy(out_.data() + mark, &bytes, 4);
}

void ValueWriter::more(std::size_t left) {
  put_string_value(out_, {}, left != 0 ? "...[" + std::to_string(left) + " more]" : std::string("...[more]"));
}

void write_error_code(ValueWriter& w, std::string_view key, const void* object) {
  const auto& ec = *static_cast<const std::error_code*>(object);
  const auto mark = w.open(key, true);
  if (!mark) return;
  w.write("value", ec.value());
  w.write("category", ec.category().name());
  const std::string message = ec.message();
  w.write("message", message);
  w.close(*mark);
}

void encode_fields(std::string& out, Fields fields) {
  ValueWriter w(out);
  for (const Field& f : fields) w.write(f.key, f.value);
}

}  // namespace leadscout::log::detail

namespace leadscout::log {

Object::Object(Fields fields) {
  detail::ValueWriter w(encoded_);
  for (const Field& f : fields) w.write(f.key, f.value);
  depth_ = w.depth_reached();
}

Object& Object::add(std::string_view key, const Value& value) {
  detail::ValueWriter w(encoded_);
  w.write(key, value);
  depth_ = std::max(depth_, w.depth_reached());
  return *this;
}

}  // namespace leadscout::log

namespace leadscout::log::detail {

bool next_field(std::string_view& rest, DecodedField& out) {
  Reader r(rest);
  if (r.empty() || !read_field(r, out, -1)) return false;
  rest = r.rest();
  return true;
}

void encode_event(std::string& out, std::uint32_t category, std::string_view event, std::string_view context,
                  std::string_view bound, Fields fields, std::string_view exception, bool has_exception,
                  const SourceView* source) {
  out.clear();
  put(out, category);
  out.push_back(static_cast<char>((has_exception ? wire::has_exception : 0) | (source != nullptr ? wire::has_source : 0)));
  put_str(out, event);
  put_str(out, context);
  put_str(out, bound);
  const std::size_t len_at = out.size();
  put(out, std::uint32_t{0});
  encode_fields(out, fields);
  const auto bytes = static_cast<std::uint32_t>(out.size() - len_at - 4);
  std::memcpy(out.data() + len_at, &bytes, 4);
  if (has_exception) put_str(out, exception);
  if (source != nullptr) {
    put_str(out, source->file);
    put(out, source->line);
    put_str(out, source->function);
  }
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
  if ((flags & wire::has_exception) != 0) {
    std::string_view ex;
    if (!r.str(ex)) return false;
    out.exception = ex;
  }
  out.source.reset();
  if ((flags & wire::has_source) != 0) {
    SourceView where;
    if (!r.str(where.file) || !r.get(where.line) || !r.str(where.function)) return false;
    out.source = where;
  }
  return decode_fields(context, out.fields) && decode_fields(bound, out.fields) && decode_fields(fields, out.fields);
}

}  // namespace leadscout::log::detail

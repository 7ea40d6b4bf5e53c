// Field values of structured events: a cheap, non-owning view of what the caller passed.
//
// A Value only refers to the caller's data; it is encoded into the event before the call
// returns, so temporaries such as std::string{"x"} or std::filesystem::path{"a"} in a field list
// are safe. Values that need a conversion (a user type's to_log_value, an enum's to_string, a
// range, an error code) are converted only while the event is encoded, so whatever temporary
// the conversion returns is written out before it is destroyed, and nothing is converted
// when the level is disabled.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "leadscout/log/export.hpp"

namespace leadscout::log {

class Value;
class Object;

namespace detail {

/// Writes values into an event's encoding. Conversions of user types, ranges and error codes
/// write through it; it caps how deep values nest and how many elements a range gives.
class LEADSCOUT_LOG_EXPORT ValueWriter {
 public:
  /// The most elements a range writes; the rest become one "...[N more]" string.
  static constexpr std::size_t max_elements = 1000;
  /// Deeper values (arrays, objects, chained conversions) become a "...[too deep]" string.
  static constexpr int max_depth = 16;

  explicit ValueWriter(std::string& out) noexcept;
  /// Writes one value; `key` is empty for an array's elements.
  void write(std::string_view key, const Value& value);
  /// Starts an array (or object) and returns its mark for close(), or nullopt when it would
  /// nest too deep: the marker string is written instead and nothing may go inside.
  std::optional<std::size_t> open(std::string_view key, bool object);
  /// Ends what open() started.
  void close(std::size_t mark);
  /// Writes the element standing for the `left` elements not written (0: unknown).
  void more(std::size_t left);
  /// Deepest nesting written, relative to where this writer started.
  [[nodiscard]] int depth_reached() const noexcept { return reached_ - start_; }

 private:
  void write_converted(std::string_view key, const Value& value);

  std::string& out_;
  int start_;
  int reached_;
};

/// The function that writes a value needing a conversion; `object` is the caller's value.
using WriteFn = void (*)(ValueWriter& writer, std::string_view key, const void* object);

// Unqualified lookups of the customisation points happen here, where these deleted names hide
// every other declaration, so only the argument's own namespaces (ADL) are searched.
namespace adl {
void to_log_value() = delete;
void to_string() = delete;

template <class T>
concept has_to_log_value = requires(const T& t) { to_log_value(t); };

template <class E>
concept has_to_string = std::is_enum_v<E> && requires(const E& e) {
  { to_string(e) } -> std::convertible_to<std::string_view>;
};

template <class T>
void write_converted(ValueWriter& w, std::string_view key, const void* object);
template <class E>
void write_enum_name(ValueWriter& w, std::string_view key, const void* object);
}  // namespace adl

template <class R>
void write_range(ValueWriter& w, std::string_view key, const void* object);
LEADSCOUT_LOG_EXPORT void write_error_code(ValueWriter& w, std::string_view key, const void* object);

/// A range written as a JSON array: any range of loggable values, except strings (written as
/// strings), paths (whose elements are paths) and types with their own to_log_value.
template <class R>
concept loggable_range =
    std::ranges::input_range<const R> && !std::convertible_to<const R&, std::string_view> &&
    !std::same_as<std::remove_cvref_t<std::ranges::range_value_t<const R>>, std::remove_cvref_t<R>> &&
    !adl::has_to_log_value<R> && std::constructible_from<Value, std::ranges::range_reference_t<const R>>;

}  // namespace detail

/// One field value: null, bool, integer, double, string, duration, an array, an object, or a
/// value converted when the event is written (user types, enums, ranges, error codes).
/// Durations are written as milliseconds (a JSON number).
class Value {
 public:
  /// What the value holds, and so which accessor reads it.
  enum class Kind : std::uint8_t {
    null,
    boolean,
    int64,
    uint64,
    float64,
    string,
    character,  // a single char, written as a one-character string
    duration_ms,
    string_array,       // std::vector<std::string>
    string_view_array,  // std::vector<std::string_view>
    cstring_array,      // std::vector<const char*>
    int_array,          // signed integers, element width in elem_size_
    uint_array,         // unsigned integers, element width in elem_size_
    float_array,        // float or double, element width in elem_size_
    object,             // an Object's encoded fields; nesting depth in elem_size_
    converted,          // written by a WriteFn from the caller's object
  };

  ///@{
  /// A view of the caller's value (strings and vectors are not copied): null, a bool, a char,
  /// any integer or floating-point number, a std::chrono duration (written in milliseconds), a
  /// C string (null when nullptr), std::string_view or std::string, and a std::vector of
  /// strings, string views, C strings or numbers.
  Value() noexcept : kind_(Kind::null) {}
  Value(std::nullptr_t) noexcept : kind_(Kind::null) {}
  Value(bool b) noexcept : kind_(Kind::boolean) { u_.b = b; }
  Value(char c) noexcept : kind_(Kind::character) { u_.c = c; }

  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  Value(T v) noexcept {
    set_integer(v);
  }
  template <std::floating_point T>
  Value(T v) noexcept : kind_(Kind::float64) {
    u_.d = static_cast<double>(v);
  }
  template <class Rep, class Period>
  Value(std::chrono::duration<Rep, Period> d) noexcept : kind_(Kind::duration_ms) {
    u_.d = std::chrono::duration<double, std::milli>(d).count();
  }

  Value(const char* s) noexcept : kind_(Kind::string) {
    if (s == nullptr) {
      kind_ = Kind::null;
    } else {
      set_string(s, std::char_traits<char>::length(s));
    }
  }
  Value(std::string_view s) noexcept : kind_(Kind::string) { set_string(s.data(), s.size()); }
  Value(const std::string& s) noexcept : kind_(Kind::string) { set_string(s.data(), s.size()); }

  Value(const std::vector<std::string>& v) noexcept { set_array(Kind::string_array, v.data(), v.size(), 0); }
  Value(const std::vector<std::string_view>& v) noexcept {
    set_array(Kind::string_view_array, v.data(), v.size(), 0);
  }
  Value(const std::vector<const char*>& v) noexcept { set_array(Kind::cstring_array, v.data(), v.size(), 0); }
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Value(const std::vector<T>& v) noexcept {
    set_array(std::is_signed_v<T> ? Kind::int_array : Kind::uint_array, v.data(), v.size(), sizeof(T));
  }
  template <std::floating_point T>
  Value(const std::vector<T>& v) noexcept {
    set_array(Kind::float_array, v.data(), v.size(), sizeof(T));
  }
  ///@}

  ///@{
  /// Values converted while the event is written: a type with an ADL-found
  /// `to_log_value(const T&)` (which returns any value a Value can be built from, even another
  /// such type), an enum (the name its ADL-found `to_string` gives, else the integer), a
  /// std::optional (null when empty), a std::filesystem::path (its string), a std::error_code
  /// (an object of "value", "category" and "message"), any range of such values (a JSON
  /// array) and an Object (a JSON object).
  template <class T>
    requires detail::adl::has_to_log_value<T>
  Value(const T& v) noexcept {
    set_converted(&v, &detail::adl::write_converted<T>);
  }
  template <class E>
    requires(std::is_enum_v<E> && !detail::adl::has_to_log_value<E>)
  Value(const E& e) noexcept {
    if constexpr (detail::adl::has_to_string<E>) {
      set_converted(&e, &detail::adl::write_enum_name<E>);
    } else {
      set_integer(static_cast<std::underlying_type_t<E>>(e));
    }
  }
  template <class T>
    requires std::constructible_from<Value, const T&>
  Value(const std::optional<T>& v) noexcept : kind_(Kind::null) {
    if (v) *this = Value(*v);
  }
  Value(std::nullopt_t) noexcept : kind_(Kind::null) {}
  Value(const std::filesystem::path& p) noexcept : kind_(Kind::string) {
    static_assert(std::same_as<std::filesystem::path::value_type, char>, "POSIX paths hold chars");
    set_string(p.native().data(), p.native().size());
  }
  Value(const std::error_code& ec) noexcept { set_converted(&ec, &detail::write_error_code); }
  template <class R>
    requires detail::loggable_range<R>
  Value(const R& range) noexcept {
    set_converted(&range, &detail::write_range<R>);
  }
  Value(const Object& object) noexcept;
  ///@}

  /// What the value holds.
  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  ///@{
  /// The held value; each accessor is valid only for the kind its name says.
  [[nodiscard]] bool as_bool() const noexcept { return u_.b; }
  [[nodiscard]] std::int64_t as_int() const noexcept { return u_.i; }
  [[nodiscard]] std::uint64_t as_uint() const noexcept { return u_.u; }
  [[nodiscard]] double as_double() const noexcept { return u_.d; }
  [[nodiscard]] std::string_view as_string() const noexcept { return {u_.s.data, u_.s.size}; }
  [[nodiscard]] char as_char() const noexcept { return u_.c; }
  ///@}
  ///@{
  /// Arrays: the first element, the element count and, for numbers, the element width.
  /// Objects: their encoded bytes, the byte count and, as element_size(), their depth.
  [[nodiscard]] const void* array_data() const noexcept { return u_.s.data; }
  [[nodiscard]] std::size_t array_size() const noexcept { return u_.s.size; }
  [[nodiscard]] std::uint8_t element_size() const noexcept { return elem_size_; }
  ///@}
  ///@{
  /// Converted values: the caller's object and the function that writes it.
  [[nodiscard]] const void* converted_object() const noexcept { return u_.conv.object; }
  [[nodiscard]] detail::WriteFn converted_writer() const noexcept { return u_.conv.write; }
  ///@}

 private:
  template <class T>
  void set_integer(T v) noexcept {
    if constexpr (std::is_signed_v<T>) {
      kind_ = Kind::int64;
      u_.i = static_cast<std::int64_t>(v);
    } else {
      kind_ = Kind::uint64;
      u_.u = static_cast<std::uint64_t>(v);
    }
  }
  void set_string(const char* p, std::size_t n) noexcept {
    u_.s.data = p;
    u_.s.size = n;
  }
  void set_array(Kind k, const void* p, std::size_t n, std::size_t elem) noexcept {
    kind_ = k;
    u_.s.data = static_cast<const char*>(p);
    u_.s.size = n;
    elem_size_ = static_cast<std::uint8_t>(elem);
  }
  void set_converted(const void* object, detail::WriteFn write) noexcept {
    kind_ = Kind::converted;
    u_.conv.object = object;
    u_.conv.write = write;
  }

  struct Span {
    const char* data;
    std::size_t size;
  };
  struct Converted {
    const void* object;
    detail::WriteFn write;
  };
  union {
    bool b;
    char c;
    std::int64_t i;
    std::uint64_t u;
    double d;
    Span s;
    Converted conv;
  } u_{};
  Kind kind_ = Kind::null;
  std::uint8_t elem_size_ = 0;
};

/// A key and its value, as in `{"item_id", 7}`.
///
/// A constructor rather than an aggregate: with an aggregate, `ScopedContext ctx{{{"k", "v"}}}`
/// would pick std::string_view's (first, last) constructor for the key.
struct Field {
  /// The value is built in place: a Value built first and then copied costs a store-forwarding
  /// stall, which would double the cost of a disabled call.
  template <class T>
    requires std::constructible_from<Value, T&&>
  Field(std::string_view k, T&& v) noexcept : key(k), value(std::forward<T>(v)) {}
  std::string_view key;  ///< the JSON key, as given
  Value value;           ///< a view of the caller's value
};

/// The field list every logging call takes: `{{"item_id", 7}, {"result", "african"}}`.
using Fields = std::initializer_list<Field>;

/// A nested JSON object as a field value: `{"request", Object{{"model", m}, {"tokens", n}}}`.
/// Unlike a Value it owns its contents (encoded when built), so it may be kept and logged
/// again. Keys inside it are redacted like top-level keys.
class LEADSCOUT_LOG_EXPORT Object {
 public:
  /// An empty object, `{}`.
  Object() = default;
  /// The object of these fields, in order.
  Object(Fields fields);
  /// Appends one more field.
  Object& add(std::string_view key, const Value& value);
  /// True when it has no fields.
  [[nodiscard]] bool empty() const noexcept { return encoded_.empty(); }

 private:
  friend class Value;
  std::string encoded_;
  int depth_ = 0;
};

inline Value::Value(const Object& object) noexcept : kind_(Kind::object) {
  set_string(object.encoded_.data(), object.encoded_.size());
  elem_size_ = static_cast<std::uint8_t>(object.depth_);
}

namespace detail {

template <class T>
void adl::write_converted(ValueWriter& w, std::string_view key, const void* object) {
  const T& v = *static_cast<const T*>(object);
  static_assert(std::is_constructible_v<Value, decltype(to_log_value(v))>,
                "to_log_value(const T&) must return a value leadscout::log::Value can be built from");
  w.write(key, Value(to_log_value(v)));  // the result lives until written
}

template <class E>
void adl::write_enum_name(ValueWriter& w, std::string_view key, const void* object) {
  const auto& name = to_string(*static_cast<const E*>(object));
  w.write(key, Value(std::string_view(name)));
}

template <class R>
void write_range(ValueWriter& w, std::string_view key, const void* object) {
  const R& range = *static_cast<const R*>(object);
  const auto mark = w.open(key, false);
  if (!mark) return;
  std::size_t n = 0;
  for (auto it = std::ranges::begin(range); it != std::ranges::end(range); ++it, ++n) {
    if (n == ValueWriter::max_elements) {
      if constexpr (std::ranges::sized_range<const R>) {
        w.more(static_cast<std::size_t>(std::ranges::size(range)) - n);
      } else {
        w.more(0);
      }
      break;
    }
    w.write({}, Value(*it));
  }
  w.close(*mark);
}

}  // namespace detail

}  // namespace leadscout::log

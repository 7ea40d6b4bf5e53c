// Field values of structured events: a cheap, non-owning view of what the caller passed.
//
// A Value only refers to the caller's data; it is encoded into the event before the call
// returns, so temporaries such as std::string{"x"} in a field list are safe.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace leadscout::log {

/// One field value: null, bool, integer, double, string, duration or an array of
/// strings or numbers. Durations are written as milliseconds (a JSON number).
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
    if constexpr (std::is_signed_v<T>) {
      kind_ = Kind::int64;
      u_.i = static_cast<std::int64_t>(v);
    } else {
      kind_ = Kind::uint64;
      u_.u = static_cast<std::uint64_t>(v);
    }
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
  [[nodiscard]] const void* array_data() const noexcept { return u_.s.data; }
  [[nodiscard]] std::size_t array_size() const noexcept { return u_.s.size; }
  [[nodiscard]] std::uint8_t element_size() const noexcept { return elem_size_; }
  ///@}

 private:
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

  struct Span {
    const char* data;
    std::size_t size;
  };
  union {
    bool b;
    char c;
    std::int64_t i;
    std::uint64_t u;
    double d;
    Span s;
  } u_{};
  Kind kind_;
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

}  // namespace leadscout::log

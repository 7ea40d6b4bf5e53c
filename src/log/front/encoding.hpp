// The compact binary form of an event that travels from the caller to the backend thread.
//
// The caller only copies bytes (no JSON escaping, no number formatting); the backend decodes
// and renders. Layout of an event payload (integers little-endian as in memory):
//   u32 category | u8 flags | str event | blob context | blob bound | blob fields | [str exception]
//   | [str file, u32 line, str function]
// flags: 1 = an exception follows, 2 = a source location follows.
// blob = u32 byte length + encoded fields; str = u32 length + bytes;
// field = u8 kind + str key + value (see Kind). Arrays and objects hold a blob of fields, the
// elements of an array with empty keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leadscout/log/value.hpp"

namespace leadscout::log::detail {

/// The payload's fixed parts, named once for the encoders (encode_event(), direct_encode())
/// and the decoder.
namespace wire {
inline constexpr std::uint8_t has_exception = 1;  ///< flags: an exception follows the fields
inline constexpr std::uint8_t has_source = 2;     ///< flags: a source location follows
inline constexpr std::size_t length_bytes = 4;    ///< of every str, blob and array length
inline constexpr std::size_t category_bytes = 4;
inline constexpr std::size_t flags_bytes = 1;
/// category, flags and the lengths of event, context, bound and fields
inline constexpr std::size_t head_bytes = category_bytes + flags_bytes + 4 * length_bytes;
/// the lengths of file and function, and the line
inline constexpr std::size_t source_bytes = 2 * length_bytes + 4;
/// a field's kind and its key's length
inline constexpr std::size_t field_head_bytes = 1 + length_bytes;
}  // namespace wire

enum class EncodedKind : std::uint8_t {
  null,
  boolean,
  int64,
  uint64,
  float64,
  string,
  duration_ms,
  string_array,
  int_array,
  uint_array,
  float_array,
  array,   // a blob of fields with empty keys
  object,  // a blob of fields
};

/// Appends the encoded fields to out.
void encode_fields(std::string& out, Fields fields);

/// One decoded field; views point into the payload.
struct DecodedField {
  std::string_view key;
  EncodedKind kind = EncodedKind::null;
  union {
    bool b;
    std::int64_t i;
    std::uint64_t u;
    double d;
  } num{};
  std::string_view str;          ///< string value, or the raw bytes of an array or object
  std::uint32_t array_size = 0;  ///< element count of numeric and string arrays
};

/// Where the log call is written, when the event carries it.
struct SourceView {
  std::string_view file;
  std::uint32_t line = 0;
  std::string_view function;
};

struct DecodedEvent {
  std::uint32_t category = 0;
  std::string_view event;
  std::vector<DecodedField> fields;  ///< context, then bound, then event fields
  std::optional<std::string_view> exception;
  std::optional<SourceView> source;
};

/// Builds the payload of one event into out (cleared first).
void encode_event(std::string& out, std::uint32_t category, std::string_view event, std::string_view context,
                  std::string_view bound, Fields fields, std::string_view exception, bool has_exception,
                  const SourceView* source = nullptr);

/// Decodes a payload; false when it is malformed (it never reads out of bounds). Nested arrays
/// and objects are checked too, so renderers may walk them with next_field().
[[nodiscard]] bool decode_event(std::string_view payload, DecodedEvent& out);

/// Reads the next field of an array's or object's bytes into out and advances rest; false at
/// the end (or on bytes decode_event() would have rejected).
bool next_field(std::string_view& rest, DecodedField& out);

/// Iterates the elements of a string array's raw bytes.
template <class F>
void for_each_string(const DecodedField& f, F&& fn) {
  std::string_view rest = f.str;
  for (std::uint32_t n = 0; n < f.array_size && rest.size() >= 4; ++n) {
    std::uint32_t len;
    __builtin_memcpy(&len, rest.data(), 4);
    rest.remove_prefix(4);
    if (len > rest.size()) return;
    fn(rest.substr(0, len));
    rest.remove_prefix(len);
  }
}

/// Reads element i of a numeric array's raw bytes (8 bytes each).
template <class T>
T array_element(const DecodedField& f, std::uint32_t i) {
  T v;
  __builtin_memcpy(&v, f.str.data() + static_cast<std::size_t>(i) * 8, 8);
  return v;
}

}  // namespace leadscout::log::detail

// A fast validating scanner for one-line JSON objects (internal, shared by the library and the
// tools).
//
// One call checks that a text is a single JSON object that a strict parser accepts (RFC 8259,
// valid UTF-8, surrogate escapes only in pairs) and records
// where each top-level key and value lies, without building a DOM and without allocating once
// the member vector has grown to the widest object seen.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace leadscout::common {

/// JSON type of a value.
enum class JsonKind : std::uint8_t { string, number, boolean, null, array, object };

/// One top-level member; views point into the scanned text.
struct JsonMember {
  std::string_view key;    ///< raw text between the quotes (escapes not resolved)
  std::string_view value;  ///< strings: raw text between the quotes; others: the JSON token
  JsonKind kind = JsonKind::null;
  bool key_escaped = false;    ///< key contains a backslash escape
  bool value_escaped = false;  ///< string value contains a backslash escape
};

/// Why a text is not one JSON object.
enum class JsonScanError : std::uint8_t {
  none,
  not_object,         ///< does not start with '{'
  syntax,             ///< malformed JSON
  truncated,          ///< the text ends inside the object
  trailing_data,      ///< something follows the closing brace
  invalid_utf8,       ///< a string holds bytes that are not UTF-8
  control_character,  ///< a raw control character inside a string
  too_deep,           ///< nesting deeper than max_json_depth levels
};

/// Nesting the scanner accepts: deep enough for any result a batch stores, shallow enough for
/// the recursion to stay far from the end of a thread's stack.
inline constexpr int max_json_depth = 1000;

/// Scans `text` (an object, with JSON whitespace around it only) and records its top-level
/// members in order, duplicates included.
[[nodiscard]] JsonScanError scan_json_object(std::string_view text, std::vector<JsonMember>& members);

/// True when `text` holds nothing but JSON whitespace.
[[nodiscard]] bool is_json_blank(std::string_view text) noexcept;

}  // namespace leadscout::common

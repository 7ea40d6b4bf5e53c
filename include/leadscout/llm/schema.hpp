// JSON Schema checks of answers: the keywords OpenAI's strict structured outputs accept.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "leadscout/llm/export.hpp"

namespace leadscout::llm {

namespace detail {
struct SchemaAccess;
}

/// A compiled JSON Schema of the subset OpenAI's strict mode accepts: type, properties,
/// required, additionalProperties, items, enum, const, anyOf, $ref/$defs, minimum, maximum,
/// exclusiveMinimum, exclusiveMaximum, multipleOf, minLength, maxLength, minItems, maxItems.
/// Annotations (title, description, $schema, $id, $comment, default, examples) are ignored. As
/// in draft 7, a $ref's target stands for the whole schema holding it: keywords beside it do
/// not apply. Refs reach within the document only ("#", "#/$defs/node").
class LEADSCOUT_LLM_EXPORT Schema {
 public:
  /// Throws leadscout::Error for text that is not JSON, a keyword outside the subset (named,
  /// with its JSON pointer) or a $ref that does not resolve.
  explicit Schema(std::string_view text);
  ///@{
  /// The same, from a string literal or a std::string, which would otherwise match both the
  /// text and the JSON constructor (nlohmann::json converts from strings).
  explicit Schema(const char* text);
  explicit Schema(const std::string& text);
  ///@}
  /// The same, from parsed JSON. It crosses into the library as text, so that a program may
  /// use another nlohmann::json configuration (JSON_DIAGNOSTICS) than the library.
  explicit Schema(const nlohmann::json& schema) : Schema(std::string_view(schema.dump())) {}
  /// Releases this copy's share of the compiled schema.
  ~Schema();
  ///@{
  /// Copies share the compiled schema, which never changes; a moved-from Schema may only be
  /// assigned to or destroyed.
  Schema(const Schema&);
  Schema& operator=(const Schema&);
  Schema(Schema&&) noexcept;
  Schema& operator=(Schema&&) noexcept;
  ///@}

  /// Empty when `value` satisfies the schema; else the first violation, with the JSON pointer of
  /// the offending value ("/confidence: expected a number, got a string").
  /// Strings that are not UTF-8 are checked with U+FFFD in place of the bad bytes.
  [[nodiscard]] std::string check(const nlohmann::json& value) const {
    return check_json_text(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  /// The same for a JSON text; text that is not JSON is a violation too.
  [[nodiscard]] std::string check_json_text(std::string_view json_text) const;
  /// The schema as compact JSON text.
  [[nodiscard]] const std::string& text() const noexcept;
  /// The schema, parsed.
  [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(text()); }

 private:
  friend struct detail::SchemaAccess;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// The JSON an answer carries, as compact text: the whole text if it is JSON, else the content
/// of a Markdown code fence, else the outermost {...} or [...] in prose. Empty when none parses.
[[nodiscard]] LEADSCOUT_LLM_EXPORT std::string extract_json_text(std::string_view text);

/// The same, parsed; null when the answer carries no JSON.
[[nodiscard]] inline nlohmann::json extract_json(std::string_view text) {
  const std::string json = extract_json_text(text);
  return json.empty() ? nlohmann::json() : nlohmann::json::parse(json);
}

}  // namespace leadscout::llm

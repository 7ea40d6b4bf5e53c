// llm::extract_json: the JSON value in a model's answer, which may wrap it in a code fence or
// prose.
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leadscout/llm/schema.hpp"
#include "schema/schema_access.hpp"

namespace leadscout::llm {
namespace {

using nlohmann::json;

std::optional<json> parsed(std::string_view text) {
  json value = json::parse(text.begin(), text.end(), nullptr, false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

// The body of the first Markdown code fence ("```json\n...\n```"); an unclosed fence runs to
// the end, as in an answer cut off by its token limit.
std::optional<json> first_fence(std::string_view text) {
  const std::size_t open = text.find("```");
  if (open == std::string_view::npos) return std::nullopt;
  std::size_t start = open;
  while (start < text.size() && text[start] == '`') ++start;
  const std::string_view fence = text.substr(open, start - open);
  const std::size_t close = text.find(fence, start);
  std::string_view body =
      text.substr(start, close == std::string_view::npos ? close : close - start);
  // The info string ("json", "JSON5", "js") ends at the first character that is not a word's.
  std::size_t info = 0;
  while (info < body.size() && (std::isalnum(static_cast<unsigned char>(body[info])) != 0 ||
                                body[info] == '_' || body[info] == '-' || body[info] == '+'))
    ++info;
  if (auto value = parsed(body.substr(info))) return value;
  return parsed(body);
}

// Where the bracket at a position closes, skipping brackets inside JSON strings; npos when the
// brackets do not balance. A scan from one opener also settles every opener it meets outside a
// string (a scan from there would run alike), so a run of brackets is scanned once, not once per
// bracket.
class BracketMatcher {
 public:
  explicit BracketMatcher(std::string_view text) : text_(text), settled_(text.size(), unknown) {}

  std::size_t closing(std::size_t start) {
    if (settled_[start] != unknown) return settled_[start];
    std::vector<std::size_t> open;
    bool in_string = false;
    bool escaped = false;
    for (std::size_t i = start; i < text_.size(); ++i) {
      const char c = text_[i];
      if (in_string) {
        if (escaped)
          escaped = false;
        else if (c == '\\')
          escaped = true;
        else if (c == '"')
          in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        open.push_back(i);
      } else if (c == '}' || c == ']') {
        if (c != (text_[open.back()] == '{' ? '}' : ']')) break;  // every open one fails here
        settled_[open.back()] = i;
        open.pop_back();
        if (open.empty()) return i;
      }
    }
    for (const std::size_t unclosed : open) settled_[unclosed] = std::string_view::npos;
    return std::string_view::npos;
  }

 private:
  static constexpr std::size_t unknown = std::string_view::npos - 1;
  std::string_view text_;
  std::vector<std::size_t> settled_;  // per position of an opener: where it closes, or npos
};

// The outermost balanced {...} or [...] that parses, trying openers from the left.
std::optional<json> first_bracketed(std::string_view text) {
  BracketMatcher matcher(text);
  for (std::size_t start = text.find_first_of("{["); start != std::string_view::npos;
       start = text.find_first_of("{[", start + 1)) {
    const std::size_t end = matcher.closing(start);
    if (end == std::string_view::npos) continue;
    if (auto value = parsed(text.substr(start, end - start + 1))) return value;
  }
  return std::nullopt;
}

}  // namespace

namespace detail {

json extract_json_value(std::string_view text) {
  try {
    if (auto value = parsed(text)) return *value;
    if (auto value = first_fence(text)) return *value;
    if (auto value = first_bracketed(text)) return *value;
  } catch (...) {
    // Only an allocation failure can land here; an answer without JSON is null all the same.
  }
  return nullptr;
}

}  // namespace detail

std::string extract_json_text(std::string_view text) {
  const json value = detail::extract_json_value(text);
  return value.is_null() ? std::string() : value.dump();
}

}  // namespace leadscout::llm

// Reading the chat APIs' JSON bodies field by field, with errors that name the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace leadscout::llm::wire::detail {

using json = nlohmann::json;

/// The text of a message content: a string, or the text of an array's parts one per line (text
/// parts, tool results, and tool calls as their input's JSON; others such as images are
/// skipped). Null is empty. nullopt for anything else.
[[nodiscard]] std::optional<std::string> content_text(const json& content);

/// A string field, or "" when it is absent or not a string.
[[nodiscard]] std::string string_field(const json& object, std::string_view field);
/// An integer field, or 0 when it is absent or not an integer.
[[nodiscard]] std::int64_t int_field(const json& object, std::string_view field);

/// Reads an optional field: true and `out` untouched when absent or null, true with `out` set
/// when it holds the right type, false with `error` naming the field otherwise.
bool optional_token_limit(const json& object, std::string_view field, std::optional<std::int64_t>& out,
                          std::string& error);
bool optional_number(const json& object, std::string_view field, double& out, std::string& error);

/// The model of a request; false with `error` when it is not a non-empty string.
bool read_model(const json& request, std::string& out, std::string& error);

/// The `messages` array of a request as (role, text) turns, in order; nullopt with `error`
/// naming the message and field when it is not a non-empty array of {role, content}.
/// `content_kind` names what a content array holds, for the error ("text parts").
[[nodiscard]] std::optional<std::vector<std::pair<std::string, std::string>>> read_turns(
    const json& request, std::string_view content_kind, std::string& error);

/// The field named `field` of an object, or nullptr when it is absent or null.
[[nodiscard]] const json* present(const json& object, std::string_view field);

}  // namespace leadscout::llm::wire::detail

// The key of a cached answer: a SHA-256 of the canonical JSON of what decides the answer.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "leadscout/llm/api.hpp"
#include "leadscout/llm/client.hpp"

namespace leadscout::llm::detail {

/// `value` with every number that holds an integer as an integer (1.0 and 1 meet) and every
/// other number as a double; object keys sort themselves in nlohmann::json.
[[nodiscard]] nlohmann::json canonical_json(const nlohmann::json& value);

/// The canonical JSON text of the API, model, system prompt, user text, schema (parsed, so
/// that its key order and spacing do not matter), max_tokens and temperature. The endpoint's
/// URL and key are not in it: a failover endpoint serving the same model shares entries.
[[nodiscard]] std::string cache_key_text(Api api, const std::string& model, const Request& request);

/// The lowercase hex SHA-256 of cache_key_text().
[[nodiscard]] std::string cache_key(Api api, const std::string& model, const Request& request);

/// The lowercase hex SHA-256 of `text` (OpenSSL EVP).
[[nodiscard]] std::string sha256_hex(const std::string& text);

}  // namespace leadscout::llm::detail

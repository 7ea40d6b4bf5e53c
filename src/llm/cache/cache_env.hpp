// LEADSCOUT_LLM_CACHE, which overrides ClientOptions::cache, and the Redis URLs it may name.
#pragma once

#include <string>

#include "leadscout/llm/cache.hpp"
#include "redis_address.hpp"

namespace leadscout::llm::detail {

/// The variable's name.
inline constexpr const char* kCacheVariable = "LEADSCOUT_LLM_CACHE";

/// "redis://host[:port][/db]"; throws leadscout::Error naming `what` otherwise.
[[nodiscard]] common::RedisAddress parse_redis_endpoint(const std::string& url, const std::string& what);

/// `configured`, or what `value` names instead: "sqlite:PATH", "redis://host:port/db" or
/// "off" (empty: `configured`). The options of `configured` carry over. Throws
/// leadscout::Error naming the variable for any other value.
[[nodiscard]] Cache cache_from_text(const Cache& configured, const std::string& value);

/// cache_from_text() with the variable's value.
[[nodiscard]] Cache cache_from_env(const Cache& configured);

}  // namespace leadscout::llm::detail

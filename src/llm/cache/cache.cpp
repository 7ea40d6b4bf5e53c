// The public Cache value: where a Client keeps its answers.
#include "leadscout/llm/cache.hpp"

#include "cache/cache_env.hpp"
#include "leadscout/error.hpp"

namespace leadscout::llm {

Cache Cache::sqlite(std::string path, CacheOptions options) {
  if (path.empty()) throw Error("leadscout::llm: Cache::sqlite needs a file path");
  return Cache(Kind::sqlite, std::move(path), options);
}

Cache Cache::redis(std::string url, CacheOptions options) {
  (void)detail::parse_redis_endpoint(url, "leadscout::llm: Cache::redis");
  return Cache(Kind::redis, std::move(url), options);
}

}  // namespace leadscout::llm

// The response cache's costs: the key of a request, a lookup that hits and a store, in the
// SQLite store (a file in a temporary folder) and the Redis store (a redis-server on loopback).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cache/cache_key.hpp"
#include "cache/sqlite_store.hpp"
#include "redis_server.hpp"
#if LEADSCOUT_BENCH_WITH_REDIS
#include "cache/redis_store.hpp"
#endif

namespace {

namespace lm = leadscout::llm;
namespace lmd = leadscout::llm::detail;

constexpr int kEntries = 1000;

const std::string kSchema =
    R"({"type":"object","properties":{"label":{"type":"string","enum":["african","afrikaans","english","indian","other"]},)"
    R"("confidence":{"type":"number","minimum":0,"maximum":1}},"required":["label","confidence"],"additionalProperties":false})";

lmd::CachedAnswer answer() {
  return lmd::CachedAnswer{.text = R"({"label":"african","confidence":0.92})",
                           .model = "gpt-4o-mini-2024-07-18",
                           .input_tokens = 120,
                           .output_tokens = 14,
                           .cost_usd = 2.64e-5};
}

std::string key(int i) {
  return lmd::cache_key(lm::Api::openai, "gpt-4o-mini",
                        lm::Request{.system = "Classify the name.", .user = "NAME " + std::to_string(i), .schema = kSchema});
}

/// A fresh temporary folder for one benchmark's file.
std::filesystem::path scratch(const char* name) {
  const auto dir = std::filesystem::temp_directory_path() / ("leadscout-bench-cache-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  return file;
}

void lookup_hits(benchmark::State& state, lmd::CacheStore& store) {
  std::vector<std::string> keys;
  for (int i = 0; i < kEntries; ++i) keys.push_back(key(i));
  for (const std::string& k : keys) store.store(k, answer());
  std::size_t i = 0;
  for (auto _ : state) {
    auto hit = store.lookup(keys[i++ % keys.size()]);
    if (!hit) state.SkipWithError("a stored entry was not found");
    benchmark::DoNotOptimize(hit);
  }
}

void stores(benchmark::State& state, lmd::CacheStore& store) {
  int i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string k = key(kEntries + i++);
    state.ResumeTiming();
    store.store(k, answer());
  }
}

void BM_CacheKey(benchmark::State& state) {
  int i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(key(i++));
}
BENCHMARK(BM_CacheKey)->Unit(benchmark::kMicrosecond);

void BM_SqliteLookupHit(benchmark::State& state) {
  lmd::SqliteStore store(scratch("hit.sqlite"), {}, leadscout::log::get("bench"));
  lookup_hits(state, store);
}
BENCHMARK(BM_SqliteLookupHit)->Unit(benchmark::kMicrosecond);

void BM_SqliteStore(benchmark::State& state) {
  lmd::SqliteStore store(scratch("store.sqlite"), {}, leadscout::log::get("bench"));
  stores(state, store);
}
BENCHMARK(BM_SqliteStore)->Unit(benchmark::kMicrosecond);

#if LEADSCOUT_BENCH_WITH_REDIS
/// One redis-server for the Redis benchmarks, started on first use.
leadscout::test::RedisServer* redis() {
  static std::unique_ptr<leadscout::test::RedisServer> server =
      leadscout::test::RedisServer::program().empty() ? nullptr : std::make_unique<leadscout::test::RedisServer>();
  return server && server->running() ? server.get() : nullptr;
}

void BM_RedisLookupHit(benchmark::State& state) {
  if (redis() == nullptr) return state.SkipWithError("redis-server is not installed");
  lmd::RedisStore store(redis()->url(), {}, leadscout::log::get("bench"));
  lookup_hits(state, store);
}
BENCHMARK(BM_RedisLookupHit)->Unit(benchmark::kMicrosecond);

void BM_RedisStore(benchmark::State& state) {
  if (redis() == nullptr) return state.SkipWithError("redis-server is not installed");
  lmd::RedisStore store(redis()->url(), {}, leadscout::log::get("bench"));
  stores(state, store);
}
BENCHMARK(BM_RedisStore)->Unit(benchmark::kMicrosecond);
#endif

}  // namespace

BENCHMARK_MAIN();

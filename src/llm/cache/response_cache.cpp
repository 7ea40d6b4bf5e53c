// Single flight first (no store round trip for the followers), then the store, then the
// lease among processes; the leader's answer goes to the store and to its followers.
#include "cache/response_cache.hpp"

#include <thread>

#include "cache/sqlite_store.hpp"
#include "leadscout/error.hpp"
#ifdef LEADSCOUT_WITH_REDIS
#include "cache/redis_store.hpp"
#endif

namespace leadscout::llm::detail {

namespace {

constexpr auto kLeasePoll = std::chrono::milliseconds(20);

}  // namespace

std::unique_ptr<ResponseCache> ResponseCache::open(const Cache& cache, log::Logger log) {
  switch (cache.kind()) {
    case Cache::Kind::none: return nullptr;
    case Cache::Kind::sqlite:
      return std::make_unique<ResponseCache>(std::make_unique<SqliteStore>(cache.location(), cache.options(), std::move(log)),
                                             cache);
    case Cache::Kind::redis:
#ifdef LEADSCOUT_WITH_REDIS
      return std::make_unique<ResponseCache>(std::make_unique<RedisStore>(cache.location(), cache.options(), std::move(log)),
                                             cache);
#else
      throw Error("leadscout::llm: the LLM cache " + cache.location() +
                  " needs Redis support, which this build of leadscout lacks (rebuild with hiredis)");
#endif
  }
  return nullptr;
}

ResponseCache::ResponseCache(std::unique_ptr<CacheStore> store, const Cache& cache)
    : store_(std::move(store)), options_(cache.options()), backend_(cache.kind() == Cache::Kind::redis ? "redis" : "sqlite") {}

bool ResponseCache::applies_to(const Request& request) const noexcept {
  return !options_.temperature_zero_only || request.temperature == 0;
}

ResponseCache::Ticket ResponseCache::begin(const std::string& key, std::stop_token stop, std::chrono::milliseconds lease) {
  while (true) {
    const SingleFlight::Seat seat = flights_.join(key);
    if (!seat.leads()) {
      if (std::optional<CachedAnswer> shared = flights_.wait(seat, stop)) return Ticket(this, key, false, false, std::move(shared));
      if (stop.stop_requested()) return Ticket(this, key, false, false, std::nullopt);
      continue;  // the leader got no answer: lead the next try
    }
    std::optional<CachedAnswer> stored = store_->lookup(key);
    bool claimed = false;
    if (!stored) {
      claimed = store_->claim(key, lease);
      if (!claimed) {
        stored = wait_for_other_process(key, stop, lease, claimed);
      }
    }
    if (stored) {
      flights_.finish(key, stored);
      return Ticket(this, key, false, false, std::move(stored));
    }
    return Ticket(this, key, true, claimed, std::nullopt);
  }
}

std::optional<CachedAnswer> ResponseCache::wait_for_other_process(const std::string& key, std::stop_token stop,
                                                                  std::chrono::milliseconds lease, bool& claimed) {
  const auto until = std::chrono::steady_clock::now() + lease;
  while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(kLeasePoll);
    if (std::optional<CachedAnswer> stored = store_->lookup(key)) return stored;
    if (store_->claim(key, lease)) {  // dropped without an answer (its call failed): call ourselves
      claimed = true;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

ResponseCache::Ticket::Ticket(Ticket&& other) noexcept
    : cache_(other.cache_), key_(std::move(other.key_)), leads_(other.leads_), claimed_(other.claimed_),
      hit_(std::move(other.hit_)) {
  other.leads_ = false;
  other.claimed_ = false;
}

void ResponseCache::Ticket::answered(const CachedAnswer& answer) {
  if (!leads_) return;
  cache_->store_->store(key_, answer);
  if (claimed_) cache_->store_->release(key_);
  cache_->flights_.finish(key_, answer);
  leads_ = false;
  claimed_ = false;
}

ResponseCache::Ticket::~Ticket() {
  if (claimed_) cache_->store_->release(key_);
  if (leads_) cache_->flights_.finish(key_, std::nullopt);
}

}  // namespace leadscout::llm::detail

#include "batch/batch_cache.hpp"

namespace leadscout::llm::detail {

BatchCache::Route BatchCache::route(const std::string& id, const Request& request, std::optional<CachedAnswer>& hit) {
  if (cache_ == nullptr || !cache_->applies_to(request)) return Route::submit;
  std::string key = cache_key(api_, model_, request);
  if (auto stored = cache_->lookup(key)) {
    hit = std::move(stored);
    return Route::cached;
  }
  if (const auto it = waiting_.find(key); it != waiting_.end()) {
    it->second.push_back(id);
    return Route::wait;
  }
  waiting_.emplace(key, std::vector<std::string>{});
  key_of_.emplace(id, std::move(key));
  return Route::submit;
}

std::vector<std::string> BatchCache::finished(const std::string& id, const Reply& reply,
                                              std::optional<CachedAnswer>& answer) {
  const auto it = key_of_.find(id);
  if (it == key_of_.end()) return {};
  const std::string key = std::move(it->second);
  key_of_.erase(it);
  auto waiting = waiting_.find(key);
  std::vector<std::string> items = std::move(waiting->second);
  waiting_.erase(waiting);
  if (reply.ok() && !reply.cached()) {
    answer = CachedAnswer{.text = reply.text(),
                          .model = reply.model(),
                          .input_tokens = reply.usage().input_tokens,
                          .output_tokens = reply.usage().output_tokens,
                          .cost_usd = reply.cost_usd()};
    cache_->store(key, *answer);
  }
  return items;
}

}  // namespace leadscout::llm::detail

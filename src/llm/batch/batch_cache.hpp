// Batch mode's use of the response cache: a request whose answer is stored finishes its item
// before any batch is made, and identical requests of a run are submitted once, the others
// waiting for that one's row.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cache/response_cache.hpp"
#include "leadscout/llm/api.hpp"
#include "leadscout/llm/client.hpp"

namespace leadscout::llm::detail {

class BatchCache {
 public:
  /// `cache` may be null (no cache): every request is then submitted.
  BatchCache(ResponseCache* cache, Api api, std::string model) : cache_(cache), api_(api), model_(std::move(model)) {}

  enum class Route {
    submit,  ///< into the next batch
    cached,  ///< answered from the store: `hit` holds the answer
    wait,    ///< an identical request is in a batch already: finished() hands its answer over
  };
  /// Where the new item `id` with `request` goes.
  [[nodiscard]] Route route(const std::string& id, const Request& request, std::optional<CachedAnswer>& hit);

  /// The item `id` finished with `reply`. When it was the first of identical requests, its
  /// answer (one that passed the schema check) is stored and returned in `answer`, and the
  /// items that waited for it are returned; they are to be finished from `answer`, or asked
  /// again when there is none.
  [[nodiscard]] std::vector<std::string> finished(const std::string& id, const Reply& reply,
                                                  std::optional<CachedAnswer>& answer);

  [[nodiscard]] bool enabled() const noexcept { return cache_ != nullptr; }
  [[nodiscard]] std::string_view backend() const noexcept { return cache_ ? cache_->backend() : std::string_view(); }

 private:
  ResponseCache* cache_;
  Api api_;
  std::string model_;
  std::unordered_map<std::string, std::string> key_of_;                 ///< submitted item to its key
  std::unordered_map<std::string, std::vector<std::string>> waiting_;  ///< key to the items waiting on it
};

}  // namespace leadscout::llm::detail

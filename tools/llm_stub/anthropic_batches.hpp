// Anthropic's Message Batches API on the stub: batches of Messages requests, their results as
// JSON Lines once they have ended.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "batch_store.hpp"
#include "responses.hpp"
#include "stats.hpp"

namespace leadscout::llm_stub {

/// The routes under /v1/messages/batches, without HTTP (the key is checked before). Thread-safe.
/// `base_url` ("http://127.0.0.1:PORT", as the client reached the stub) makes results_url.
class AnthropicBatches {
 public:
  AnthropicBatches(BatchStore::Answer answer, std::uint64_t seed, BatchOptions options, WallClock clock, Stats& stats);

  /// POST /v1/messages/batches {requests: [{custom_id, params}]}.
  [[nodiscard]] Reply create(std::string_view body, std::string_view base_url);
  /// GET /v1/messages/batches/{id}.
  [[nodiscard]] Reply retrieve(std::string_view id, std::string_view base_url);
  /// GET /v1/messages/batches/{id}/results: JSON Lines, once the batch has ended.
  [[nodiscard]] Reply results(std::string_view id);
  /// GET /v1/messages/batches?limit=&after_id=: newest first.
  [[nodiscard]] Reply list(std::optional<std::string> limit, std::string_view after_id, std::string_view base_url);
  /// POST /v1/messages/batches/{id}/cancel.
  [[nodiscard]] Reply cancel(std::string_view id, std::string_view base_url);

 private:
  [[nodiscard]] nlohmann::ordered_json batch_json(Batch& b, TimePoint now, std::string_view base_url);

  mutable std::mutex mutex_;
  BatchStore store_;
  WallClock clock_;
  Stats& stats_;
};

}  // namespace leadscout::llm_stub

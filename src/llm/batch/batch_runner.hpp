// Batch mode: the DeferredRunner that cuts admitted attempts into chunks, makes each a batch at
// the provider, polls, and finishes every attempt from its row.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "batch/batch_api.hpp"
#include "batch/batch_budget.hpp"
#include "batch/batch_cache.hpp"
#include "batch/reattached.hpp"
#include "client_state.hpp"
#include "leadscout/batch/detail/deferred.hpp"
#include "leadscout/llm/run.hpp"

namespace leadscout::llm::detail {

/// Runs on the engine's deferred thread. Its journal notes (batch_notes.hpp) make it resumable:
/// a resumed run polls and collects the batches it finds there; a chunk without a batch id is
/// looked up by its metadata first, so that a kill between the create and its note makes no
/// second batch. Each batch holds its rows' estimated cost in the quota's budget (BatchBudget).
class BatchRunner final : public batch::detail::DeferredRunner {
 public:
  using DeferredPort = batch::detail::DeferredPort;
  using DeferredAttempt = batch::detail::DeferredAttempt;

  /// `request_of(item)`: the request of an item of the run (DeferredPort::item()).
  /// `answered_locally(item)`: true when the item's callback answers it without a row (may be empty).
  BatchRunner(ClientState& client, const RunOptions& options, std::function<Request(const void*)> request_of,
              std::function<bool(const void*)> answered_locally);

  void run(DeferredPort& port) noexcept override;
  [[nodiscard]] std::size_t capacity() const noexcept override;
  /// The row of the item whose callback runs; nullptr when it is asked online or answered locally.
  [[nodiscard]] const Reply* current() const noexcept { return current_online_ ? nullptr : &current_; }
  [[nodiscard]] const log::Logger& log() const noexcept { return client_.api; }
  /// The cache that answers or deduplicates the run's requests (BatchCache::enabled()).
  [[nodiscard]] const BatchCache& cache() const noexcept { return cache_; }
  /// The stored answer current() came from, when it came from the cache.
  [[nodiscard]] const std::optional<CachedAnswer>& current_hit() const noexcept { return current_hit_; }
  [[nodiscard]] const ResolvedEndpoint& endpoint() const noexcept { return client_.endpoints.front(); }

 private:
  struct Held {
    DeferredAttempt attempt;
    int batches = 0;        ///< batches it was sent in, this run
    std::uint64_t chunk = 0;  ///< the chunk it waits in; 0 while queued
  };
  struct Open {
    std::uint64_t chunk = 0;
    std::string batch;  ///< the provider's id
    std::vector<std::string> ids;
    batch::Clock::time_point next_poll{};
    std::chrono::milliseconds interval{};
    std::string status;
    batch::Clock::time_point status_since{};  ///< when `status` was first seen
    bool warned = false;                      ///< the stuck warning of this status was logged
    batch::Clock::time_point created{};       ///< when this run created or re-attached it
    std::uint64_t completed = 0, failed = 0;  ///< rows, as the provider last reported
  };
  /// Requests gathered for one batch.
  struct Chunk {
    std::vector<std::string> ids;
    std::vector<std::string> entries;
    std::vector<double> costs;  ///< each row's estimated cost
    std::size_t bytes = 0;
    std::int64_t tokens = 0;
  };

  void restore(DeferredPort& port);
  void loop(DeferredPort& port);
  /// Takes what admission offers; false once it ended.
  bool take(DeferredPort& port);
  /// A new item: answered from the cache, waiting for an identical request, or queued.
  void enqueue(DeferredPort& port, const std::string& id);
  void finish_cached(DeferredPort& port, const std::string& id, const CachedAnswer& answer);
  /// Cuts the queue into chunks and makes a batch of each.
  void submit(DeferredPort& port);
  /// Reserves the chunk's cost and makes a batch of the rows the budget holds; the rest go back
  /// to the head of the queue.
  void send(DeferredPort& port, Chunk chunk);
  /// Asks the rows of online_ online, each once its call fits the budget beside what this run's
  /// batches hold: its permit would otherwise wait for holds only this thread releases.
  void go_online(DeferredPort& port);
  /// Makes a batch of `entries`, the requests of the items `sent`.
  void submit_chunk(DeferredPort& port, std::vector<std::string> sent, std::vector<std::string> entries);
  void poll(DeferredPort& port, Open& open);
  /// Whether chunk `chunk`'s batch is still waited for.
  [[nodiscard]] bool is_open(std::uint64_t chunk) const;
  void collect(DeferredPort& port, const Open& open, const BatchStatus& status);
  void on_row(DeferredPort& port, std::uint64_t chunk, const BatchRow& row);
  /// A row that expired, was cancelled or failed retryably: a new batch, online, or failed.
  void again(DeferredPort& port, const std::string& id, const std::string& reason);
  void finish(DeferredPort& port, const std::string& id, Reply reply, bool online);
  [[nodiscard]] Reply reply_of(const std::string& id, const BatchRow& row);
  /// The pipeline's request of the item at `index`; false with `error` when it threw.
  bool request_at(std::size_t index, Request& out, std::string& error);
  [[nodiscard]] wire::ChatRequest chat_of(std::size_t index, std::string& schema_error);
  void schedule(Open& open, batch::Clock::time_point now);
  /// Logs a status change, or once a WARNING for a status held past its limit.
  void watch(Open& open, const BatchStatus& status, batch::Clock::time_point now);
  void note(DeferredPort& port, const std::string& record);
  /// Hands the open batches to the progress file.
  void show(DeferredPort& port) const;
  /// On a stop with RunOptions::cancel_on_stop: asks the provider to cancel every open batch.
  void cancel_open();
  [[nodiscard]] const std::string& item_id(const std::string& custom_id) const;

  ClientState& client_;
  RunOptions options_;
  std::function<Request(const void*)> request_of_;
  std::function<bool(const void*)> answered_locally_;
  DeferredPort* port_ = nullptr;  ///< during run()
  std::unique_ptr<BatchApi> api_;
  std::unordered_map<std::string, std::string> item_of_;  ///< custom_id to item id, where they differ
  std::unordered_map<std::string, Held> held_;
  std::deque<std::string> queue_;
  std::deque<std::string> online_;  ///< rows to ask online (RunOptions::online_fallback)
  std::vector<Open> open_;
  Reattached reattached_;  ///< the items and rows of the batches of earlier runs
  std::uint64_t next_chunk_ = 1;
  bool budget_wait_ = false;      ///< the queue or online_ waits for the budget to free
  BatchBudget budget_;
  std::minstd_rand jitter_{0x2545F491U};
  BatchCache cache_;
  Reply current_;
  bool current_online_ = false;
  std::optional<CachedAnswer> current_hit_;
};

}  // namespace leadscout::llm::detail

// llm::run: a batch run whose items are questions to a model, answered online (a call per item)
// or through the provider's batch API, at half the price.
//
//   llm::Pipeline<Lead, Label> pipeline{.request = ..., .result = ...};
//   lb::Summary summary = llm::run(proc, client, leads, pipeline, {.mode = llm::Mode::batch});
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <span>
#include <type_traits>
#include <utility>

#include "leadscout/batch/context.hpp"
#include "leadscout/batch/detail/deferred.hpp"
#include "leadscout/batch/outcome.hpp"
#include "leadscout/batch/processor.hpp"
#include "leadscout/batch/summary.hpp"
#include "leadscout/llm/client.hpp"
#include "leadscout/llm/export.hpp"

namespace leadscout::llm {

/// What to ask for an item, and what its answer means.
template <class Item, class Result>
struct Pipeline {
  std::function<Request(const Item&)> request{};  ///< the question for an item
  /// The item's result from a successful reply (its JSON checked against the request's schema).
  std::function<batch::Outcome<Result>(const Item&, const Reply&)> result{};
  /// Optional: the item's outcome without the model (a rule, a lookup), or nullopt to ask the
  /// model. Asked first, in either mode: the items it answers are never sent, and are journaled
  /// and written to the results like the others. An exception is a failed attempt, as in run().
  std::function<std::optional<batch::Outcome<Result>>(const Item&)> local{};
  /// Optional: called in the item's callback with its outcome, whichever step gave it, in either
  /// mode: the place to count it with ctx.metric(), which the journal keeps for a resume.
  std::function<void(const Item&, const batch::Outcome<Result>&, batch::Context&)> on_outcome{};
};

/// How llm::run asks.
enum class Mode {
  online,  ///< Client::complete() per item
  batch,   ///< the provider's batch API: half the price, answers within 24 hours
};

/// How llm::run runs. Every member has a default.
struct RunOptions {
  Mode mode = Mode::online;  ///< online, or through the provider's batch API
  std::size_t max_batch_requests = 10'000;  ///< requests per batch, never above the provider's limit
  std::chrono::milliseconds poll_interval{60'000};  ///< the longest wait between polls; the first come sooner
  int resubmit = 2;  ///< times a row that expired, was cancelled or failed retryably goes into a new batch
  bool online_fallback = true;  ///< after that, such rows are asked online
  bool cancel_on_stop = false;  ///< on a stop, cancel the run's batches at the provider (else a resume collects them)
  /// Estimated tokens (text at about 4 characters a token, plus max_tokens) per batch: set it to
  /// the provider's enqueued-token limit of the model; 0 cuts by requests and bytes only.
  std::int64_t max_batch_tokens = 0;
};

namespace detail {

/// The item's outcome from its reply: the provider's failure as it is, else the pipeline's result.
template <class Item, class Result>
batch::Outcome<Result> outcome_of(const Pipeline<Item, Result>& pipeline, const Item& item, const Reply& reply) {
  if (!reply.ok()) return reply.failure();
  return pipeline.result(item, reply);
}

class BatchRunner;

/// Batch mode's state for one run: the runner that submits, polls and collects the provider's
/// batches, and the answer it hands to the item's callback.
class LEADSCOUT_LLM_EXPORT BatchSession {
 public:
  /// `request_of(item)`: the request of an item of the run (an Item, type-erased).
  /// `answered_locally(item)`: true when the pipeline answers the item without the model; its
  /// callback then runs at once, with current() null. May be empty.
  BatchSession(Client& client, const RunOptions& options, std::function<Request(const void*)> request_of,
               std::function<bool(const void*)> answered_locally);
  ~BatchSession();
  BatchSession(const BatchSession&) = delete;
  BatchSession& operator=(const BatchSession&) = delete;

  [[nodiscard]] batch::detail::DeferredRunner& runner() noexcept;
  /// In the item's callback: the batch's reply for it, or nullptr when it is to be asked online.
  [[nodiscard]] const Reply* current() const noexcept;
  /// In the item's callback: charges the reply's usage to the endpoint's quota at the batch price.
  void charge(batch::Context& ctx) const;

 private:
  std::unique_ptr<BatchRunner> runner_;
};

/// llm::run over a span or an input range.
template <class Item, class Result, class Items>
batch::Summary<Result> run_items(batch::BackgroundProcessor<Item, Result>& proc, Client& client, Items&& items,
                                 const Pipeline<Item, Result>& pipeline, const RunOptions& options) {
  const auto observed = [&](const Item& item, batch::Context& ctx, batch::Outcome<Result> outcome) {
    if (pipeline.on_outcome) pipeline.on_outcome(item, outcome, ctx);
    return outcome;
  };
  const auto ask_online = [&](const Item& item, batch::Context& ctx) {
    return observed(item, ctx, outcome_of(pipeline, item, client.complete(ctx, pipeline.request(item))));
  };
  const auto online = [&](const Item& item, batch::Context& ctx) -> batch::Outcome<Result> {
    std::optional<batch::Outcome<Result>> answer;
    if (pipeline.local) answer = pipeline.local(item);
    return answer ? observed(item, ctx, std::move(*answer)) : ask_online(item, ctx);
  };
  if (options.mode == Mode::online) return proc.run(std::forward<Items>(items), online);
  // The runner asks pipeline.local before it queues an item; the answer (or what it threw)
  // waits here for the item's callback, which the runner then calls at once, on its thread.
  std::optional<batch::Outcome<Result>> local_answer;
  std::exception_ptr local_error;
  std::function<bool(const void*)> answered_locally;
  if (pipeline.local) {
    answered_locally = [&](const void* item) {
      try {
        local_answer = pipeline.local(*static_cast<const Item*>(item));
        return local_answer.has_value();
      } catch (...) {
        local_error = std::current_exception();
        return true;
      }
    };
  }
  BatchSession session(
      client, options, [&](const void* item) { return pipeline.request(*static_cast<const Item*>(item)); },
      std::move(answered_locally));
  const auto answered = [&](const Item& item, batch::Context& ctx) -> batch::Outcome<Result> {
    if (local_error) std::rethrow_exception(std::exchange(local_error, nullptr));  // a failed attempt, as in run()
    if (local_answer) {
      batch::Outcome<Result> answer = std::move(*local_answer);
      local_answer.reset();
      return observed(item, ctx, std::move(answer));
    }
    const Reply* reply = session.current();
    if (reply == nullptr) return ask_online(item, ctx);
    session.charge(ctx);
    return observed(item, ctx, outcome_of(pipeline, item, *reply));
  };
  return proc.run_deferred(std::forward<Items>(items), answered, session.runner());
}

}  // namespace detail

/// Runs `pipeline` over `items` with `proc`: online, each item's request through
/// client.complete(); or in batch mode through the provider's batch API (the client's first
/// endpoint: OpenAI's Batch API or Anthropic's Message Batches), journaled so that a resumed run
/// collects the batches already made rather than making them again. Returns what proc.run()
/// returns.
template <class Item, class Result>
batch::Summary<Result> run(batch::BackgroundProcessor<Item, Result>& proc, Client& client,
                           std::type_identity_t<std::span<const Item>> items, const Pipeline<Item, Result>& pipeline,
                           const RunOptions& options = {}) {
  return detail::run_items(proc, client, items, pipeline, options);
}

/// run() over any input range, read once as the run goes (a generator, a file reader), as
/// BackgroundProcessor::run() reads it. In batch mode the items of the open batches stay in
/// memory: up to 20 × max_batch_requests.
template <class Item, class Result, std::ranges::input_range R>
  requires(!std::convertible_to<R, std::span<const Item>>) &&
          std::convertible_to<std::ranges::range_reference_t<R>, const Item&>
batch::Summary<Result> run(batch::BackgroundProcessor<Item, Result>& proc, Client& client, R&& items,
                           const Pipeline<Item, Result>& pipeline, const RunOptions& options = {}) {
  return detail::run_items(proc, client, std::forward<R>(items), pipeline, options);
}

}  // namespace leadscout::llm

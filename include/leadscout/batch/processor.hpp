// BackgroundProcessor<Item, Result>: runs a callback over items with a journal that makes
// the run resumable.
#pragma once

#include <concepts>
#include <functional>
#include <mutex>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/batch/context.hpp"
#include "leadscout/batch/detail/engine.hpp"
#include "leadscout/batch/detail/job.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/outcome.hpp"
#include "leadscout/batch/summary.hpp"

namespace leadscout::batch {

namespace detail {

template <class Item>
concept has_string_id = requires(const Item& item) {
  { item.id } -> std::convertible_to<std::string_view>;
};
template <class Item>
concept has_integer_id = requires(const Item& item) { item.id; } &&
                         std::integral<std::remove_cvref_t<decltype(std::declval<const Item&>().id)>>;

template <class Item>
std::string item_id(const Item& item, const IdFunction& id) {
  if (id) return id(&item);
  if constexpr (has_string_id<Item>) {
    return std::string(std::string_view(item.id));
  } else if constexpr (has_integer_id<Item>) {
    return std::to_string(item.id);
  } else {
    throw leadscout::Error("item type has no `id` member; set Options::id with id_function<Item>(...)");
  }
}

/// What both kinds of job share: the callback's attempt and the hand-off of its result.
template <class Item, class Result, class F>
class TypedJobBase : public Job {
 public:
  void discard(std::size_t worker) noexcept override { staged_[worker].reset(); }

 protected:
  TypedJobBase(F& fn, const ResultsSink& sink, std::size_t workers) : fn_(fn), sink_(sink), staged_(workers) {}

  bool attempt_on(const Item& item, std::size_t worker, Context& ctx, Failure& failure,
                  std::string& result_json) noexcept {
    try {
      Outcome<Result> outcome = std::invoke(fn_, item, ctx);
      if (!outcome.ok()) {
        failure = std::move(outcome.failure());
        return false;
      }
      try {
        result_json = nlohmann::json(outcome.value()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      } catch (const std::exception& e) {
        failure = Failure{std::string("result serialization failed: ") + e.what(), Retry::no};
        return false;
      }
      staged_[worker].emplace(std::move(outcome).value());
      return true;
    } catch (const std::exception& e) {
      failure = Failure{std::string("exception: ") + e.what(), Retry::yes};
    } catch (...) {
      failure = Failure{"exception: unknown", Retry::yes};
    }
    return false;
  }

  /// Hands the result staged by `worker` to a callback sink, or to `keep` without a sink;
  /// returns what the callback threw ("" when nothing).
  template <class Keep>
  std::string commit_staged(std::size_t worker, std::string_view id, Keep&& keep) noexcept {
    std::string error;
    if (sink_.kind() == ResultsSink::Kind::callback) {
      try {
        sink_.deliver(id, &*staged_[worker]);
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "unknown exception";
      }
    } else if (!sink_) {
      keep(std::move(*staged_[worker]));
    }
    staged_[worker].reset();
    return error;
  }

  /// A journaled result's JSON as a Result.
  static bool parse_result(std::string_view result_json, std::optional<Result>& out, std::string& error) noexcept {
    try {
      out.emplace(nlohmann::json::parse(result_json).template get<Result>());
      return true;
    } catch (const std::exception& e) {
      error = e.what();
      return false;
    }
  }

  F& fn_;
  const ResultsSink& sink_;
  std::vector<std::optional<Result>> staged_;
};

/// Items in a span: the engine sees every id from the start.
template <class Item, class Result, class F>
class TypedJob final : public TypedJobBase<Item, Result, F> {
 public:
  TypedJob(std::span<const Item> items, F& fn, const IdFunction& id, const ResultsSink& sink, std::size_t workers)
      : TypedJobBase<Item, Result, F>(fn, sink, workers), items_(items), results_(sink ? 0 : items.size()) {
    ids_.reserve(items.size());
    for (const Item& item : items) ids_.push_back(item_id(item, id));
  }

  [[nodiscard]] std::size_t size() const noexcept override { return items_.size(); }
  [[nodiscard]] const std::vector<std::string>& ids() const noexcept override { return ids_; }

  [[nodiscard]] const void* item(std::size_t index) const noexcept override { return &items_[index]; }
  bool attempt(std::size_t worker, std::size_t index, Context& ctx, Failure& failure,
               std::string& result_json) noexcept override {
    return this->attempt_on(items_[index], worker, ctx, failure, result_json);
  }

  std::string commit(std::size_t worker, std::size_t index) noexcept override {
    return this->commit_staged(worker, ids_[index], [&](Result&& r) { results_[index].emplace(std::move(r)); });
  }

  bool load(std::size_t index, std::string_view, std::string_view result_json, std::string& error) noexcept override {
    return this->sink_ || this->parse_result(result_json, results_[index], error);
  }

  /// Every ok result in input order.
  std::vector<std::pair<std::string, Result>> take_results() {
    std::vector<std::pair<std::string, Result>> out;
    for (std::size_t i = 0; i < results_.size(); ++i) {
      if (results_[i]) out.emplace_back(std::move(ids_[i]), std::move(*results_[i]));
    }
    return out;
  }

 private:
  std::span<const Item> items_;
  std::vector<std::string> ids_;
  std::vector<std::optional<Result>> results_;
};

/// Items of any input range, read as the run goes: the engine holds only the items of its
/// slots, and the input is traversed once, on run()'s thread.
template <class Item, class Result, class Range, class F>
class StreamJob final : public TypedJobBase<Item, Result, F> {
 public:
  StreamJob(Range& range, F& fn, const IdFunction& id, const ResultsSink& sink, std::size_t workers)
      : TypedJobBase<Item, Result, F>(fn, sink, workers), range_(range), id_(id) {}

  [[nodiscard]] std::size_t size() const noexcept override {
    if constexpr (std::ranges::sized_range<Range>) {
      return static_cast<std::size_t>(std::ranges::size(range_));
    } else {
      return 0;
    }
  }
  [[nodiscard]] const std::vector<std::string>& ids() const noexcept override { return ids_; }
  [[nodiscard]] bool streaming() const noexcept override { return true; }
  void set_slots(std::size_t slots) override {
    ids_.assign(slots, std::string());
    items_ = std::vector<std::optional<Item>>(slots);
  }

  bool pull(std::size_t slot) override {
    if (!it_) {
      it_.emplace(std::ranges::begin(range_));
    } else {
      ++*it_;
    }
    if (*it_ == std::ranges::end(range_)) return false;
    if constexpr (std::is_same_v<std::remove_cvref_t<std::ranges::range_reference_t<Range>>, Item>) {
      items_[slot].emplace(**it_);  // moves out of an element the range hands over by value
    } else {
      items_[slot].emplace(static_cast<const Item&>(**it_));
    }
    ids_[slot] = item_id(*items_[slot], id_);
    return true;
  }

  [[nodiscard]] const void* item(std::size_t index) const noexcept override { return &*items_[index]; }
  bool attempt(std::size_t worker, std::size_t index, Context& ctx, Failure& failure,
               std::string& result_json) noexcept override {
    return this->attempt_on(*items_[index], worker, ctx, failure, result_json);
  }

  std::string commit(std::size_t worker, std::size_t index) noexcept override {
    return this->commit_staged(worker, ids_[index],
                               [&](Result&& r) { results_.emplace_back(ids_[index], std::move(r)); });
  }

  bool load(std::size_t, std::string_view id, std::string_view result_json, std::string& error) noexcept override {
    if (this->sink_) return true;
    std::optional<Result> result;
    if (!this->parse_result(result_json, result, error)) return false;
    results_.emplace_back(std::string(id), std::move(*result));
    return true;
  }

  /// Journaled results first, then this run's in the order they finished.
  std::vector<std::pair<std::string, Result>> take_results() { return std::move(results_); }

 private:
  Range& range_;
  const IdFunction& id_;
  std::optional<std::ranges::iterator_t<Range>> it_;
  std::vector<std::string> ids_;
  std::vector<std::optional<Item>> items_;
  std::vector<std::pair<std::string, Result>> results_;
};

}  // namespace detail

/// Runs `fn(item, ctx) -> Outcome<Result>` over items with `concurrency` workers, journaling
/// every finished item so that the next run resumes where this one stopped. Result needs
/// nlohmann to_json/from_json. One run() at a time per processor.
template <class Item, class Result>
class BackgroundProcessor {
 public:
  /// A processor with these options; throws leadscout::Error when Options::id was built for
  /// another type.
  explicit BackgroundProcessor(Options options) : options_(std::move(options)) {
    if (options_.id && options_.id.item_type() != typeid(Item)) {
      throw leadscout::Error("Options::id was built for another item type; use id_function<Item>(...)");
    }
    if (options_.results.kind() == ResultsSink::Kind::callback && options_.results.result_type() != typeid(Result)) {
      throw leadscout::Error("Options::results is a callback of another result type; it must take `const Result&`");
    }
  }

  /// Processes `items` and returns when the batch is completed, interrupted, past its deadline
  /// or failed. Summary::results holds every ok result in input order, unless
  /// Options::results is set. Callback exceptions never escape; setup problems (duplicate
  /// ids, a journal of another input, a bad shard variable) throw leadscout::Error before
  /// anything starts.
  template <class F>
    requires std::invocable<F&, const Item&, Context&>
  Summary<Result> run(std::span<const Item> items, F&& fn) {
    detail::TypedJob<Item, Result, std::remove_reference_t<F>> job(items, fn, options_.id, options_.results,
                                                                   worker_count());
    return run_job(job);
  }

  /// Processes the items of any input range, single-pass ones included (a generator,
  /// std::views::istream, a file reader), reading it once as the run goes: memory does not
  /// grow with the input. Until the input ends the total is unknown ("total": null in the
  /// progress file; Options::expected_total gives an estimate). The journal records
  /// checkpoints of the ids read, so a resumed run refuses an input that changed: before
  /// anything starts when the change is in the first 1024 items, else before any item of the
  /// changed part starts (a part no earlier run read cannot be compared). Ids repeated within
  /// 1024 items are refused; a repeat further apart runs twice. An exception of the input, a
  /// repeat or a change found past the first chunk ends the reading: what was read before it
  /// runs, then the run ends as failed with that reason. Without Options::results,
  /// Summary::results holds the journaled results, then this run's in the order they finished.
  template <std::ranges::input_range R, class F>
    requires(!std::convertible_to<R, std::span<const Item>>) &&
            std::convertible_to<std::ranges::range_reference_t<R>, const Item&> &&
            std::invocable<F&, const Item&, Context&>
  Summary<Result> run(R&& items, F&& fn) {
    detail::StreamJob<Item, Result, std::remove_reference_t<R>, std::remove_reference_t<F>> job(
        items, fn, options_.id, options_.results, worker_count());
    return run_job(job);
  }

  /// As run(items, fn), but `runner` completes the attempts instead of worker threads (a
  /// provider's batch API, see leadscout::llm::run): `fn` runs on the runner's thread once it
  /// has what the item needs. Options::concurrency and item_timeout do not apply.
  template <class F>
    requires std::invocable<F&, const Item&, Context&>
  Summary<Result> run_deferred(std::span<const Item> items, F&& fn, detail::DeferredRunner& runner) {
    detail::TypedJob<Item, Result, std::remove_reference_t<F>> job(items, fn, options_.id, options_.results, 1);
    return run_job(job, &runner);
  }

  /// run_deferred() over any input range, read as run(items, fn) reads it: the runner's
  /// capacity() bounds the items held in memory.
  template <std::ranges::input_range R, class F>
    requires(!std::convertible_to<R, std::span<const Item>>) &&
            std::convertible_to<std::ranges::range_reference_t<R>, const Item&> &&
            std::invocable<F&, const Item&, Context&>
  Summary<Result> run_deferred(R&& items, F&& fn, detail::DeferredRunner& runner) {
    detail::StreamJob<Item, Result, std::remove_reference_t<R>, std::remove_reference_t<F>> job(
        items, fn, options_.id, options_.results, 1);
    return run_job(job, &runner);
  }

  /// Stops a running run() gracefully from another thread (a second call cancels in-flight
  /// items). `signal` is reported in the summary and decides exit_code(). Thread-safe, not
  /// async-signal-safe; a no-op when nothing runs.
  void stop(int signal = 0) noexcept {
    std::lock_guard lock(m_);
    if (engine_ != nullptr) engine_->request_stop(signal);
  }

  /// The options it was built with.
  [[nodiscard]] const Options& options() const noexcept { return options_; }

 private:
  [[nodiscard]] std::size_t worker_count() const noexcept {
    return options_.concurrency == 0 ? 1 : options_.concurrency;
  }

  template <class TypedJob>
  Summary<Result> run_job(TypedJob& job, detail::DeferredRunner* runner = nullptr) {
    detail::Engine engine(options_);
    {
      std::lock_guard lock(m_);
      engine_ = &engine;
    }
    struct Reset {
      BackgroundProcessor* self;
      ~Reset() {
        std::lock_guard lock(self->m_);
        self->engine_ = nullptr;
      }
    } reset{this};
    Summary<Result> summary;
    static_cast<RunStats&>(summary) = runner != nullptr ? engine.run(job, *runner) : engine.run(job);
    summary.results = job.take_results();
    return summary;
  }

  Options options_;
  std::mutex m_;
  detail::Engine* engine_ = nullptr;
};

}  // namespace leadscout::batch

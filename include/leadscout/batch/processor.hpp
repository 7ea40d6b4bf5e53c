// BackgroundProcessor<Item, Result>: runs a callback over items with a journal that makes
// the run resumable.
#pragma once

#include <concepts>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/batch/context.hpp"
#include "leadscout/batch/detail/engine.hpp"
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
    throw Error("item type has no `id` member; set Options::id with id_function<Item>(...)");
  }
}

template <class Item, class Result, class F>
class TypedJob final : public Job {
 public:
  TypedJob(std::span<const Item> items, F& fn, const IdFunction& id, const ResultsSink& sink, std::size_t workers)
      : items_(items), fn_(fn), sink_(sink), results_(sink ? 0 : items.size()), staged_(workers) {
    ids_.reserve(items.size());
    for (const Item& item : items) ids_.push_back(item_id(item, id));
  }

  [[nodiscard]] std::size_t size() const noexcept override { return items_.size(); }
  [[nodiscard]] const std::vector<std::string>& ids() const noexcept override { return ids_; }

  bool attempt(std::size_t worker, std::size_t index, Context& ctx, Failure& failure,
               std::string& result_json) noexcept override {
    try {
      Outcome<Result> outcome = std::invoke(fn_, items_[index], ctx);
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

  std::string commit(std::size_t worker, std::size_t index) noexcept override {
    std::string error;
    if (sink_.kind() == ResultsSink::Kind::callback) {
      try {
        sink_.deliver(ids_[index], &*staged_[worker]);
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "unknown exception";
      }
    } else if (!sink_) {
      results_[index] = std::move(staged_[worker]);
    }
    staged_[worker].reset();
    return error;
  }
  void discard(std::size_t worker) noexcept override { staged_[worker].reset(); }

  bool load(std::size_t index, std::string_view result_json, std::string& error) noexcept override {
    if (sink_) return true;
    try {
      results_[index].emplace(nlohmann::json::parse(result_json).template get<Result>());
      return true;
    } catch (const std::exception& e) {
      error = e.what();
      return false;
    }
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
  F& fn_;
  const ResultsSink& sink_;
  std::vector<std::string> ids_;
  std::vector<std::optional<Result>> results_;
  std::vector<std::optional<Result>> staged_;
};

}  // namespace detail

/// Runs `fn(item, ctx) -> Outcome<Result>` over items with `concurrency` workers, journaling
/// every finished item so that the next run resumes where this one stopped. Result needs
/// nlohmann to_json/from_json. One run() at a time per processor.
template <class Item, class Result>
class BackgroundProcessor {
 public:
  /// A processor with these options; throws Error when Options::id was built for another type.
  explicit BackgroundProcessor(Options options) : options_(std::move(options)) {
    if (options_.id && options_.id.item_type() != typeid(Item)) {
      throw Error("Options::id was built for another item type; use id_function<Item>(...)");
    }
    if (options_.results.kind() == ResultsSink::Kind::callback && options_.results.result_type() != typeid(Result)) {
      throw Error("Options::results is a callback of another result type; it must take `const Result&`");
    }
  }

  /// Processes `items` and returns when the batch is completed, interrupted, past its deadline
  /// or failed. Summary::results holds every ok result, unless Options::results is set. Callback exceptions never escape; setup problems (duplicate ids, a journal of
  /// another input, a bad shard variable) throw Error before anything starts.
  template <class F>
    requires std::invocable<F&, const Item&, Context&>
  Summary<Result> run(std::span<const Item> items, F&& fn) {
    detail::TypedJob<Item, Result, std::remove_reference_t<F>> job(items, fn, options_.id, options_.results,
                                                                   options_.concurrency == 0 ? 1 : options_.concurrency);
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
    static_cast<RunStats&>(summary) = engine.run(job);
    summary.results = job.take_results();
    return summary;
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
  Options options_;
  std::mutex m_;
  detail::Engine* engine_ = nullptr;
};

}  // namespace leadscout::batch

// Batch mode's share of the budget: each row's estimated cost at the batch price is reserved in
// the endpoint's quota when its batch is made, and returned when the row ends (answered, to be
// sent again, or left to a resume), so that online calls and other batches see it as spent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>

#include "leadscout/batch/detail/deferred.hpp"
#include "price.hpp"

namespace leadscout::llm::detail {

class BatchBudget {
 public:
  using DeferredPort = batch::detail::DeferredPort;

  BatchBudget(std::string quota, Price batch_price) : quota_(std::move(quota)), price_(batch_price) {}

  /// What a row may cost: `estimated_tokens` (estimate_tokens()), max_tokens of them output.
  [[nodiscard]] double estimate(std::int64_t estimated_tokens, std::int64_t max_tokens) const {
    return price_.estimate(estimated_tokens, max_tokens);
  }

  /// Reserves the longest leading part of `costs` the budget holds now, halving on a refusal,
  /// and returns its length. 0 when not even the first row fits: `wait` is set when it may fit
  /// once other spend settles; else the budget is exhausted and the run stops.
  [[nodiscard]] std::size_t reserve(DeferredPort& port, std::span<const double> costs, bool& wait);
  /// Whether `cost` fits the budget now, beside everything reserved (nothing is held); a cost
  /// that never fits stops the run.
  [[nodiscard]] batch::detail::Reservation fits(DeferredPort& port, double cost);
  /// Reserves `costs` whatever the budget says: rows at the provider already (a resume).
  void force(DeferredPort& port, std::span<const double> costs);
  /// Notes that row `id` holds `cost` of what reserve() or force() reserved.
  void hold(const std::string& id, double cost);
  /// Returns what row `id` holds, if anything.
  void release(DeferredPort& port, const std::string& id);
  /// Returns everything held (the run ends; the provider's batches go on).
  void release_all(DeferredPort& port);

 private:
  std::string quota_;
  Price price_;
  std::unordered_map<std::string, double> held_;  ///< row id to its reserved cost
};

}  // namespace leadscout::llm::detail

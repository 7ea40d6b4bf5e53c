// Provider quotas: requests and tokens per minute, an in-flight limit and a spend budget, shared
// by every worker of a run. A worker asks for a Permit before calling the provider and tells it
// what the call cost.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <memory>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leadscout/batch/export.hpp"
#include "leadscout/batch/outcome.hpp"

namespace leadscout::batch {

/// The limits of one provider account. A limit of 0 means "not configured": rates are then
/// learned from the provider's rate-limit headers, and the in-flight limit adapts (AIMD) between
/// 1 and the run's concurrency.
struct Quota {
  std::string name;                ///< what workers pass to acquire(), e.g. "openai"
  double requests_per_minute = 0;  ///< 0: learned from headers
  double tokens_per_minute = 0;    ///< 0: learned from headers
  int max_in_flight = 0;           ///< 0: adaptive, up to the run's concurrency
  double budget_usd = 0;           ///< 0: no budget
  double burst_seconds = 1.0;      ///< how many seconds of the rates may be spent at once
};

/// What a call uses: the estimate given to acquire(), or the actual figures given to settle().
/// `tokens` is an integer so that a provider's int or long token count initialises it in braces
/// without a narrowing error.
struct Usage {
  std::int64_t tokens = 0;  ///< prompt and completion tokens together
  double cost_usd = 0;      ///< in US dollars
};

namespace detail {
class QuotaState;
class UsageLedger;
}  // namespace detail

/// A range of (name, value) pairs whose members convert to std::string_view: a vector of pairs,
/// a std::map or std::multimap of strings, httplib::Headers, ...
template <class R>
concept HeaderRange = std::ranges::input_range<R> && requires(std::ranges::range_reference_t<R> h) {
  { std::string_view(h.first) };
  { std::string_view(h.second) };
};

/// Permission to make one provider call under a quota, from acquire(). A granted permit holds a
/// request, its estimated tokens and its estimated cost until settle(), rate_limited() or its
/// destruction (which charges the estimate). Move-only; use it from one thread at a time.
class LEADSCOUT_BATCH_EXPORT Permit {
 public:
  /// A permit that was not granted (reason "stopping").
  Permit() = default;
  ///@{
  /// Moves the permit; the moved-from one holds nothing and charges nothing.
  Permit(Permit&& other) noexcept;
  Permit& operator=(Permit&& other) noexcept;
  ///@}
  Permit(const Permit&) = delete;
  Permit& operator=(const Permit&) = delete;
  /// Charges the estimate unless settle() or rate_limited() was called.
  ~Permit();

  /// True when granted and not yet settled or rate limited.
  [[nodiscard]] explicit operator bool() const noexcept { return state_ != nullptr && !done_; }
  /// Why the permit was not granted: reason "stopping" (a stop came while waiting) or
  /// "budget_exhausted" (the estimate can never fit in the remaining budget). Retry::yes: the
  /// item may run again on a resume.
  [[nodiscard]] Failure failure() const { return failure_; }
  /// The estimate the permit was asked with.
  [[nodiscard]] const Usage& estimate() const noexcept { return estimate_; }

  /// Learns from a response's rate-limit headers (OpenAI x-ratelimit-*, Anthropic
  /// anthropic-ratelimit-*, retry-after): limits a quota without configured ones adopts, and
  /// remaining counts near zero that hold new permits until the provider refills. Names are
  /// matched case-insensitively; malformed values are counted and ignored, never thrown.
  template <HeaderRange R>
  void observe_headers(const R& headers) {
    if (!*this) return;
    std::vector<std::pair<std::string_view, std::string_view>> list;
    for (const auto& h : headers) list.emplace_back(std::string_view(h.first), std::string_view(h.second));
    observe_header_list(list);
  }

  /// Reconciles the estimate with what the provider reported: the tokens and the spend are
  /// refunded or charged the difference. Counts as a success for the adaptive in-flight limit.
  void settle(Usage actual) noexcept;

  /// The provider refused the call for its rate limit: every worker of this quota waits before
  /// its next permit, for `retry_after` when given, else until the reset time learned from the
  /// headers, else for a delay doubling from 1 s with each consecutive rate limit (up to 60 s).
  /// The estimate's cost is refunded. Returns the retryable Failure to hand back to the engine.
  [[nodiscard]] Failure rate_limited(std::chrono::milliseconds retry_after = {}) noexcept;

 private:
  friend class detail::QuotaState;
  Permit(std::shared_ptr<detail::QuotaState> state, Usage estimate, std::uint64_t episode,
         std::shared_ptr<detail::UsageLedger> ledger) noexcept;
  explicit Permit(Failure failure) noexcept : failure_(std::move(failure)) {}
  void observe_header_list(std::span<const std::pair<std::string_view, std::string_view>> headers) noexcept;
  void release_unsettled() noexcept;
  void charge(const Usage& charged) noexcept;

  std::shared_ptr<detail::QuotaState> state_;
  std::shared_ptr<detail::UsageLedger> ledger_;  ///< the attempt's record of what it charged
  Usage estimate_;
  std::uint64_t episode_ = 0;  ///< the rate-limit episode current when it was granted
  bool done_ = false;
  Failure failure_{.reason = "stopping"};
};

}  // namespace leadscout::batch

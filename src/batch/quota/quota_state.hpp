// One provider quota shared by every worker of a run: admission, settling, shared cooldown,
// what the headers teach, and the budget.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <stop_token>

#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/detail/deferred.hpp"
#include "leadscout/batch/progress.hpp"
#include "leadscout/batch/quota.hpp"
#include "quota_aimd.hpp"
#include "quota_bucket.hpp"
#include "quota_shared.hpp"
#include "rate_limit_headers.hpp"
#include "journal/usage_ledger.hpp"

namespace leadscout::batch::detail {

/// A usage's tokens as the rate limiter counts them.
[[nodiscard]] inline double tokens_of(const Usage& u) noexcept { return static_cast<double>(u.tokens); }
/// Sums of doubles drift: this much over a budget still fits.
inline constexpr double kBudgetSlack = 1e-9;
/// `u` with negative or non-finite parts as 0.
[[nodiscard]] Usage cleaned(Usage u) noexcept;

/// One shard's share of `quota` among `shard_count`: rpm, tpm and budget divided by it
/// (provider quotas are per organisation, shared by every shard).
[[nodiscard]] Quota shard_share(Quota quota, std::uint32_t shard_count) noexcept;

/// The state behind every Permit of one quota. Thread-safe; waits go through the Clock, and
/// nothing outside this class runs while its mutex is held.
class QuotaState : public std::enable_shared_from_this<QuotaState> {
 public:
  /// `quota` with its final values (overrides and shard share applied); `concurrency` is the
  /// run's worker count, the ceiling of an adaptive in-flight limit. Create with make_shared.
  QuotaState(Quota quota, int concurrency, std::shared_ptr<Clock> clock);
  /// A quota shared with the other shards through `shared`: `quota` is the whole operation's,
  /// and while the store is unreachable this shard keeps to its share among `shard_count`.
  QuotaState(Quota quota, int concurrency, std::shared_ptr<Clock> clock, std::shared_ptr<SharedQuota> shared,
             std::uint32_t shard_count);

  [[nodiscard]] const Quota& quota() const noexcept { return quota_; }

  /// Waits in turn (first come, first served) until a request, the estimated tokens, an
  /// in-flight slot and the estimated cost within the budget are all available and no cooldown
  /// or hold is on. Returns a falsy permit with reason "stopping" once `stop` is requested, and
  /// with reason "budget_exhausted" when the estimate can never fit: from then on every acquire
  /// fails that way. What the permit charges is also added to `ledger`, when given.
  [[nodiscard]] Permit acquire(Usage estimate, std::stop_token stop = {},
                               std::shared_ptr<UsageLedger> ledger = nullptr);

  /// Holds `cost_usd` of the budget for work sent away (a provider's batch) until
  /// release_budget(); permits see it as spent meanwhile. `force` holds it whatever the budget
  /// says. Without a budget nothing is held and the answer is `granted`.
  [[nodiscard]] Reservation reserve_budget(double cost_usd, bool force);
  void release_budget(double cost_usd) noexcept;
  /// Adds spend that took no permit (a batch row's reported usage): counted in the budget and
  /// the totals, never waited for or refused. Returns what it counted.
  Usage charge(Usage used) noexcept;
  /// Refuses every permit from now on, as an estimate that can never fit does.
  void exhaust_budget() noexcept;

  /// A call under this quota timed out: the adaptive in-flight limit shrinks.
  void record_timeout() noexcept;
  /// Adds usage recorded by an earlier run of the same operation, so the budget covers it all.
  void add_prior_usage(Usage usage) noexcept;
  /// True once a permit could not fit in the budget.
  [[nodiscard]] bool budget_exhausted() const noexcept;
  [[nodiscard]] QuotaReport snapshot() const;

 private:
  friend class leadscout::batch::Permit;

  /// Whether the head of the queue may have its permit, or when to look again.
  struct Admission {
    bool grant = false;
    bool never = false;  ///< the estimate can never fit in the budget
    Clock::time_point wake = Clock::time_point::max();
  };

  /// What the budget is measured against: the spend (the operation's for a shared quota, the
  /// outage's while its store is lost) and the budget it may reach. Under mu_.
  struct BudgetView {
    double spent = 0;
    double budget = 0;
  };
  [[nodiscard]] BudgetView budget_view() const noexcept;
  [[nodiscard]] Admission admit(std::uint64_t ticket, const Usage& estimate, Clock::time_point now) const noexcept;
  [[nodiscard]] int limit() const noexcept;
  /// With a shared quota, after the local admission: asks the store, the lock released during
  /// the call. Returns true when granted; else `a` says what to do. Falls back to the local
  /// share when the store is unreachable.
  [[nodiscard]] bool admit_shared(std::unique_lock<std::mutex>& lock, const Usage& estimate, Admission& a);
  void enter_fallback(Clock::time_point now) noexcept;
  void note_overloads(std::uint64_t overloads, bool own) noexcept;
  /// With a shared quota, store_mu_ locked; else nothing.
  [[nodiscard]] std::unique_lock<std::mutex> store_turn() noexcept;
  /// Tells the store of a call's end: its extra tokens, its spend and this shard's reservations
  /// left (restated in full, so a failed push heals on the next one). Under store_turn().
  void push_settled(double extra_tokens, double cost_usd) noexcept;
  void leave(std::uint64_t ticket) noexcept;
  void end_call(const Usage& estimate, const Usage& charged) noexcept;
  /// Adds `charged` to the spend and the totals. Under mu_.
  void add_spend(const Usage& charged) noexcept;

  // Called by Permit. settle() returns what it charged.
  Usage settle(const Usage& estimate, Usage actual) noexcept;
  void settle_locked(const Usage& estimate, const Usage& actual) noexcept;
  [[nodiscard]] std::chrono::milliseconds rate_limited_locked(const Usage& estimate, std::uint64_t episode,
                                                              std::chrono::milliseconds retry_after) noexcept;
  void release(const Usage& estimate) noexcept;
  [[nodiscard]] std::chrono::milliseconds rate_limited(const Usage& estimate, std::uint64_t episode,
                                                       std::chrono::milliseconds retry_after) noexcept;
  void observe(HeaderList headers, const Usage& estimate) noexcept;
  void learn_limit(TokenBucket& bucket, double configured, double& learned, std::optional<double> limit,
                   std::optional<double> remaining, double claimed_by_others, Clock::time_point now) noexcept;
  void hold_for(const LimitHeaders& dim, double need, Clock::time_point now) noexcept;

  const Quota quota_;
  const bool adaptive_;
  const std::shared_ptr<Clock> clock_;
  const std::shared_ptr<SharedQuota> shared_;  ///< null: this process's quota alone
  const std::uint32_t shard_count_ = 1;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  /// With a shared quota: held across each call to the store that restates this shard's
  /// reservations, so they arrive in the order they were read. Taken before mu_, never under it.
  std::mutex store_mu_;
  TokenBucket requests_;
  TokenBucket tokens_;
  MinuteWindow requests_window_;
  MinuteWindow tokens_window_;
  AimdLimit aimd_;
  std::deque<std::uint64_t> queue_;  ///< tickets of waiting acquires, in arrival order
  std::uint64_t next_ticket_ = 0;
  int in_flight_ = 0;
  double in_flight_tokens_ = 0;  ///< estimated tokens of the permits in flight
  bool answered_ = false;        ///< a call has returned (or its headers were seen)
  Clock::time_point cooldown_until_{};
  Clock::time_point hold_until_{};   ///< the headers said a limit is spent
  Clock::time_point retry_at_{};     ///< the last retry-after header's end
  std::uint64_t episode_ = 0;        ///< increments when a rate limit starts a new cooldown
  int consecutive_rate_limits_ = 0;  ///< since the last success
  std::uint64_t rate_limited_total_ = 0;
  std::uint64_t granted_total_ = 0;
  std::uint64_t malformed_headers_ = 0;
  double learned_rpm_ = 0;
  double learned_tpm_ = 0;
  std::int64_t tokens_total_ = 0;
  double spent_usd_ = 0;
  double reserved_usd_ = 0;  ///< the estimates of the permits in flight
  double held_usd_ = 0;      ///< reserve_budget()'s holds: work sent away
  bool budget_exhausted_ = false;
  // ---- with a shared quota ----
  bool shared_on_ = true;            ///< false: the store is lost, the local share applies
  double shared_spent_ = 0;          ///< the operation's spend, as the store last said
  double outage_allowance_ = 0;      ///< spend this shard may add while the store is lost
  double outage_spent_ = 0;          ///< what it added
  double unpushed_usd_ = 0;          ///< spend the store has not been told of yet
  std::uint64_t overloads_seen_ = 0;  ///< the store's overload count, as last seen
  bool overloads_known_ = false;      ///< overloads_seen_ has been read once
  std::uint64_t shared_fallbacks_ = 0;
  SharedQuotaReport shared_report_;
};

}  // namespace leadscout::batch::detail

// Admission, settling, shared cooldown, learning from headers, and the budget of one quota.
#include "quota_state.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace leadscout::batch::detail {

namespace {

// An adaptive in-flight limit starts here (or at the concurrency, if lower) and grows by one per
// saturated success: a cold start probes the provider before it floods it.
constexpr int adaptive_initial_limit = 8;
// Backoff of consecutive rate limits when neither the caller nor the headers give a delay.
constexpr auto first_backoff = std::chrono::seconds(1);
constexpr auto max_backoff = std::chrono::seconds(60);
Clock::duration backoff(int consecutive) noexcept {
  Clock::duration d = first_backoff;
  for (int i = 1; i < consecutive && d < max_backoff; ++i) d *= 2;
  return std::min<Clock::duration>(d, max_backoff);
}

double seconds_until(Clock::time_point t, Clock::time_point now) noexcept {
  return t > now ? std::chrono::duration<double>(t - now).count() : 0.0;
}

}  // namespace

Usage cleaned(Usage u) noexcept {
  const bool usable = std::isfinite(u.cost_usd) && u.cost_usd > 0.0;
  return Usage{.tokens = std::max<std::int64_t>(0, u.tokens), .cost_usd = usable ? u.cost_usd : 0.0};
}

QuotaState::QuotaState(Quota quota, int concurrency, std::shared_ptr<Clock> clock)
    : QuotaState(std::move(quota), concurrency, std::move(clock), nullptr, 1) {}

// With a shared quota the local buckets hold the fallback share; they are used only while the
// store is lost.
QuotaState::QuotaState(Quota quota, int concurrency, std::shared_ptr<Clock> clock, std::shared_ptr<SharedQuota> shared,
                       std::uint32_t shard_count)
    : quota_(std::move(quota)),
      adaptive_(quota_.max_in_flight <= 0),
      clock_(std::move(clock)),
      shared_(std::move(shared)),
      shard_count_(shared_ ? std::max<std::uint32_t>(1, shard_count) : 1),
      requests_(quota_.requests_per_minute / shard_count_, quota_.burst_seconds, clock_->now()),
      tokens_(quota_.tokens_per_minute / shard_count_, quota_.burst_seconds, clock_->now()),
      requests_window_(clock_->now()),
      tokens_window_(clock_->now()),
      aimd_(adaptive_ ? concurrency : quota_.max_in_flight,
            adaptive_ ? std::min(concurrency, adaptive_initial_limit) : quota_.max_in_flight) {
  if (shared_) shared_report_.backend = std::string(shared_->backend());
}

int QuotaState::limit() const noexcept { return aimd_.limit(); }

QuotaState::Admission QuotaState::admit(std::uint64_t ticket, const Usage& estimate,
                                        Clock::time_point now) const noexcept {
  Admission a;
  if (budget_exhausted_) {
    a.never = true;
    return a;
  }
  if (queue_.empty() || queue_.front() != ticket) return a;  // an earlier caller goes first
  // Nothing is known of a quota without configured limits until its first call returns: one
  // call probes the provider, and its headers set the pace of the rest.
  const bool probing = adaptive_ && !answered_ && quota_.requests_per_minute <= 0 && quota_.tokens_per_minute <= 0;
  bool waits_for_event = in_flight_ >= (probing ? 1 : limit());
  if (quota_.budget_usd > 0) {
    // Spend only grows: an estimate that does not fit beside what is spent never will.
    const BudgetView b = budget_view();
    if (b.spent + estimate.cost_usd > b.budget + kBudgetSlack) {
      a.never = true;
      return a;
    }
    waits_for_event |= b.spent + reserved_usd_ + held_usd_ + estimate.cost_usd > b.budget + kBudgetSlack;
  }
  // A connected shared quota's buckets are in the store (admit_shared asks it).
  const bool local_buckets = !shared_ || !shared_on_;
  const Clock::time_point ready =
      std::max({cooldown_until_, hold_until_, local_buckets ? requests_.ready_at(1.0, now) : now,
                local_buckets ? tokens_.ready_at(tokens_of(estimate), now) : now});
  a.grant = !waits_for_event && ready <= now;
  if (!waits_for_event) a.wake = ready;
  return a;
}

void QuotaState::leave(std::uint64_t ticket) noexcept {
  const auto it = std::find(queue_.begin(), queue_.end(), ticket);
  if (it != queue_.end()) queue_.erase(it);
  cv_.notify_all();  // the next caller may now be at the head
}

Permit QuotaState::acquire(Usage estimate, std::stop_token stop, std::shared_ptr<UsageLedger> ledger) {
  estimate = cleaned(estimate);
  // Declared before the lock, so it is deregistered after the lock is released: its callback
  // takes the lock.
  std::stop_callback wake_on_stop(stop, [this] {
    const std::lock_guard<std::mutex> guard(mu_);
    cv_.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu_);
  const std::uint64_t ticket = next_ticket_++;
  queue_.push_back(ticket);
  for (;;) {
    if (stop.stop_requested()) {
      leave(ticket);
      return Permit(Failure{.reason = "stopping", .retry = Retry::yes});
    }
    const Clock::time_point now = clock_->now();
    Admission a = admit(ticket, estimate, now);
    if (a.never) {
      budget_exhausted_ = true;
      leave(ticket);
      return Permit(Failure{.reason = "budget_exhausted", .retry = Retry::yes});
    }
    if (a.grant && shared_ && !admit_shared(lock, estimate, a)) {
      if (a.never) continue;  // checked again above, then refused
      clock_->wait_until(lock, cv_, a.wake, false);
      continue;
    }
    if (a.grant) {
      if (!shared_ || !shared_on_) {
        requests_.take(1.0, now);
        tokens_.take(tokens_of(estimate), now);
      }
      requests_window_.add(1.0, now);
      tokens_window_.add(tokens_of(estimate), now);
      ++in_flight_;
      in_flight_tokens_ += tokens_of(estimate);
      ++granted_total_;
      reserved_usd_ += estimate.cost_usd;
      leave(ticket);
      return Permit(shared_from_this(), estimate, episode_, std::move(ledger));
    }
    clock_->wait_until(lock, cv_, a.wake, false);
  }
}

void QuotaState::end_call(const Usage& estimate, const Usage& charged) noexcept {
  --in_flight_;
  answered_ = true;
  in_flight_tokens_ = in_flight_ == 0 ? 0.0 : std::max(0.0, in_flight_tokens_ - tokens_of(estimate));
  reserved_usd_ = in_flight_ == 0 ? 0.0 : std::max(0.0, reserved_usd_ - estimate.cost_usd);
  add_spend(charged);
}

void QuotaState::add_spend(const Usage& charged) noexcept {
  if (shared_ && shared_on_) shared_spent_ += charged.cost_usd;  // until the store says more
  if (shared_ && !shared_on_) outage_spent_ += charged.cost_usd;
  tokens_total_ += charged.tokens;
  spent_usd_ += charged.cost_usd;
  cv_.notify_all();
}

std::unique_lock<std::mutex> QuotaState::store_turn() noexcept {
  // Held from the local end of a call until the store has its spend and reservations: a permit
  // asked for meanwhile would see neither.
  std::unique_lock<std::mutex> turn(store_mu_, std::defer_lock);
  if (shared_) turn.lock();
  return turn;
}

Usage QuotaState::settle(const Usage& estimate, Usage actual) noexcept {
  actual = cleaned(actual);
  const auto turn = store_turn();
  settle_locked(estimate, actual);
  if (shared_) push_settled(tokens_of(actual) - tokens_of(estimate), actual.cost_usd);
  return actual;
}

void QuotaState::settle_locked(const Usage& estimate, const Usage& actual) noexcept {
  const std::lock_guard<std::mutex> guard(mu_);
  const Clock::time_point now = clock_->now();
  const double extra_tokens = tokens_of(actual) - tokens_of(estimate);
  if (extra_tokens < 0) {
    tokens_.give_back(-extra_tokens, now);
  } else {
    tokens_.take(extra_tokens, now);
  }
  tokens_window_.add(extra_tokens, now);
  if (adaptive_) aimd_.on_success(in_flight_ >= limit());
  consecutive_rate_limits_ = 0;
  end_call(estimate, actual);
}

void QuotaState::release(const Usage& estimate) noexcept {
  const auto turn = store_turn();
  {
    const std::lock_guard<std::mutex> guard(mu_);
    end_call(estimate, estimate);
  }
  // Charged its estimate, as the journal charges it; the reservation goes.
  if (shared_) push_settled(0.0, estimate.cost_usd);
}

std::chrono::milliseconds QuotaState::rate_limited(const Usage& estimate, std::uint64_t episode,
                                                   std::chrono::milliseconds retry_after) noexcept {
  const auto turn = store_turn();
  const std::chrono::milliseconds delay = rate_limited_locked(estimate, episode, retry_after);
  if (shared_) {
    // Every shard waits, and shrinks its in-flight limit.
    const std::optional<std::uint64_t> overloads = shared_->rate_limited(delay);
    {
      const std::lock_guard<std::mutex> guard(mu_);
      if (overloads) note_overloads(*overloads, true);
    }
    push_settled(0.0, 0.0);  // not billed: only the reservation goes
  }
  return delay;
}

std::chrono::milliseconds QuotaState::rate_limited_locked(const Usage& estimate, std::uint64_t episode,
                                                          std::chrono::milliseconds retry_after) noexcept {
  const std::lock_guard<std::mutex> guard(mu_);
  const Clock::time_point now = clock_->now();
  ++rate_limited_total_;
  // Calls granted before the current cooldown began were refused for the same overload: only
  // the first of them escalates the backoff and shrinks the in-flight limit.
  if (episode == episode_) {
    ++episode_;
    ++consecutive_rate_limits_;
    if (adaptive_) aimd_.on_overload();
  }
  Clock::duration delay = backoff(std::max(1, consecutive_rate_limits_));
  if (retry_after.count() > 0) {
    delay = retry_after;
  } else if (retry_at_ > now || hold_until_ > now) {
    delay = std::max(retry_at_, hold_until_) - now;
  }
  cooldown_until_ = std::max(cooldown_until_, now + delay);
  end_call(estimate, Usage{});  // a refused call is not billed
  return std::chrono::ceil<std::chrono::milliseconds>(delay);
}

void QuotaState::record_timeout() noexcept {
  {
    const std::lock_guard<std::mutex> guard(mu_);
    if (adaptive_) aimd_.on_overload();
  }
  if (!shared_) return;
  const std::optional<std::uint64_t> overloads = shared_->overloaded();
  const std::lock_guard<std::mutex> guard(mu_);
  if (overloads) note_overloads(*overloads, true);
}

void QuotaState::learn_limit(TokenBucket& bucket, double configured, double& learned, std::optional<double> limit,
                             std::optional<double> remaining, double claimed_by_others, Clock::time_point now) noexcept {
  if (!limit || *limit <= 0.0) return;
  learned = *limit;
  if (configured > 0.0 || bucket.per_minute() == learned) return;
  const bool was_unlimited = bucket.unlimited();
  bucket.set_rate(learned, now);
  // The calls sent before the limit was known used part of it: start from what the provider
  // says is left, less what the other calls in flight will take, not from a full bucket.
  if (was_unlimited && remaining) bucket.set_level(*remaining - claimed_by_others, now);
}

void QuotaState::hold_for(const LimitHeaders& dim, double need, Clock::time_point now) noexcept {
  if (!dim.remaining || !dim.reset || *dim.remaining >= need) return;
  // `reset` is when the provider's bucket is full again; it refills evenly until then, so
  // `need` is back after the matching share of it.
  double share = 1.0;
  if (dim.limit && *dim.limit > *dim.remaining) share = std::min(1.0, (need - *dim.remaining) / (*dim.limit - *dim.remaining));
  const auto wait = std::chrono::duration_cast<Clock::duration>(*dim.reset * share);
  hold_until_ = std::max(hold_until_, now + wait);
}

void QuotaState::observe(HeaderList headers, const Usage& estimate) noexcept {
  const RateLimitHeaders h = parse_rate_limit_headers(headers, clock_->system_now());
  const std::lock_guard<std::mutex> guard(mu_);
  const Clock::time_point now = clock_->now();
  malformed_headers_ += static_cast<std::uint64_t>(h.malformed);
  answered_ = true;
  // This response's own call is still counted in flight.
  learn_limit(requests_, quota_.requests_per_minute, learned_rpm_, h.requests.limit, h.requests.remaining,
              std::max(0, in_flight_ - 1), now);
  // Usage counts all tokens: without a combined limit, the tighter of input and output binds,
  // and one part's remaining count says nothing of the total's.
  std::optional<double> token_limit = h.tokens.limit;
  for (const auto& part : {h.input_tokens.limit, h.output_tokens.limit}) {
    if (!h.tokens.limit && part) token_limit = std::min(part.value(), token_limit.value_or(part.value()));
  }
  learn_limit(tokens_, quota_.tokens_per_minute, learned_tpm_, token_limit, h.tokens.remaining,
              std::max(0.0, in_flight_tokens_ - tokens_of(estimate)), now);
  hold_for(h.requests, 1.0, now);
  hold_for(h.tokens, std::max(1.0, tokens_of(estimate)), now);
  hold_for(h.input_tokens, 1.0, now);
  hold_for(h.output_tokens, 1.0, now);
  if (h.retry_after) retry_at_ = now + *h.retry_after;
  cv_.notify_all();  // a learned limit may be higher than the one waiters wait for
}

QuotaReport QuotaState::snapshot() const {
  QuotaReport s;
  s.configured_rpm = quota_.requests_per_minute;
  s.configured_tpm = quota_.tokens_per_minute;
  s.configured_in_flight = adaptive_ ? 0 : quota_.max_in_flight;
  s.budget_usd = quota_.budget_usd;
  const std::lock_guard<std::mutex> guard(mu_);
  const Clock::time_point now = clock_->now();
  s.learned_rpm = learned_rpm_;
  s.learned_tpm = learned_tpm_;
  s.requests_last_minute = requests_window_.total(now);
  s.tokens_last_minute = tokens_window_.total(now);
  s.in_flight = in_flight_;
  s.in_flight_limit = limit();
  s.cooldown_seconds = seconds_until(cooldown_until_, now);
  if (cooldown_until_ > now) {
    // Unix seconds: a reader of the progress file compares it with its own clock.
    s.cooldown_until = std::chrono::duration<double>(clock_->system_now().time_since_epoch()).count() +
                       std::chrono::duration<double>(cooldown_until_ - now).count();
  }
  s.hold_seconds = seconds_until(hold_until_, now);
  s.rate_limited_total = rate_limited_total_;
  s.granted_total = granted_total_;
  s.waiting = static_cast<int>(queue_.size());
  s.tokens_total = tokens_total_;
  s.spent_usd = spent_usd_;
  s.reserved_usd = reserved_usd_ + held_usd_;
  s.budget_exhausted = budget_exhausted_;
  s.malformed_headers = malformed_headers_;
  if (shared_) {
    s.shared = shared_report_;
    s.shared->connected = shared_on_;
    s.shared->fallbacks = shared_fallbacks_;
  }
  return s;
}

}  // namespace leadscout::batch::detail

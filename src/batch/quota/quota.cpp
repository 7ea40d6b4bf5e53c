// Permit: one provider call's hold on a quota.
#include "leadscout/batch/quota.hpp"

#include "quota_state.hpp"
#include "journal/usage_ledger.hpp"

namespace leadscout::batch {

Permit::Permit(std::shared_ptr<detail::QuotaState> state, Usage estimate, std::uint64_t episode,
               std::shared_ptr<detail::UsageLedger> ledger) noexcept
    : state_(std::move(state)), ledger_(std::move(ledger)), estimate_(estimate), episode_(episode) {}

Permit::Permit(Permit&& other) noexcept
    : state_(std::move(other.state_)),
      ledger_(std::move(other.ledger_)),
      estimate_(other.estimate_),
      episode_(other.episode_),
      done_(other.done_),
      failure_(std::move(other.failure_)) {}

Permit& Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    release_unsettled();
    state_ = std::move(other.state_);
    ledger_ = std::move(other.ledger_);
    estimate_ = other.estimate_;
    episode_ = other.episode_;
    done_ = other.done_;
    failure_ = std::move(other.failure_);
  }
  return *this;
}

Permit::~Permit() { release_unsettled(); }

void Permit::release_unsettled() noexcept {
  if (*this) {
    state_->release(estimate_);
    charge(estimate_);
  }
  done_ = true;
}

void Permit::settle(Usage actual) noexcept {
  if (!*this) return;
  charge(state_->settle(estimate_, actual));
  done_ = true;
}

void Permit::charge(const Usage& charged) noexcept {
  if (!ledger_) return;
  try {
    ledger_->add(state_->quota().name, charged);
  } catch (...) {  // out of memory: the quota's own figures are right; only the journal misses it
  }
}

Failure Permit::rate_limited(std::chrono::milliseconds retry_after) noexcept {
  if (*this) {
    retry_after = state_->rate_limited(estimate_, episode_, retry_after);
    done_ = true;
  }
  return Failure{.reason = "rate_limited", .retry = Retry::yes, .retry_after = retry_after};
}

void Permit::observe_header_list(std::span<const std::pair<std::string_view, std::string_view>> headers) noexcept {
  if (*this) state_->observe(headers, estimate_);
}

}  // namespace leadscout::batch

// The simulated provider's buckets, admission and headers.
#include "sim_provider.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace bench_quota {

namespace {

// Refill sums in doubles are not exact: this little short counts as there.
constexpr double slack = 1e-6;

double uniform01(std::uint64_t bits) noexcept { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

}  // namespace

std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string go_duration(double seconds) {
  seconds = std::max(0.0, seconds);
  if (seconds < 1.0) return std::to_string(static_cast<long long>(std::ceil(seconds * 1000.0))) + "ms";
  const auto whole_minutes = static_cast<long long>(seconds / 60.0);
  const double rest = seconds - static_cast<double>(whole_minutes) * 60.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", rest);
  return (whole_minutes > 0 ? std::to_string(whole_minutes) + "m" : std::string()) + buf;
}

Bucket::Bucket(double per_minute, double window_seconds, SteadyClock::time_point now) noexcept
    : rate_(per_minute / 60.0), capacity_(std::max(1.0, rate_ * window_seconds)), level_(capacity_), last_(now) {}

double Bucket::wait_for(double amount, SteadyClock::time_point now) noexcept {
  if (now > last_) {
    level_ = std::min(capacity_, level_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
  }
  // A call larger than the whole bucket waits for a full one rather than forever.
  const double need = std::min(amount, capacity_);
  return level_ >= need - slack ? 0.0 : (need - level_) / rate_;
}

std::int64_t Bucket::remaining() const noexcept {
  return std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(level_ + slack)));
}

double Bucket::seconds_to_full() const noexcept { return std::max(0.0, (capacity_ - level_) / rate_); }

SimProvider::SimProvider(ProviderConfig config, std::shared_ptr<leadscout::batch::Clock> clock)
    : config_(config),
      clock_(std::move(clock)),
      steady_from_(clock_->now() + config.warmup),
      requests_(config.requests_per_minute, config.window_seconds, clock_->now()),
      tokens_(config.tokens_per_minute, config.window_seconds, clock_->now()),
      reported_requests_(config.requests_per_minute, 60.0, clock_->now()),
      reported_tokens_(config.tokens_per_minute, 60.0, clock_->now()) {}

SteadyClock::duration SimProvider::draw_latency(bool served) {
  const double u = uniform01(mix(draws_.fetch_add(1, std::memory_order_relaxed) ^ 0x51ed2701ULL));
  const auto span = served ? config_.latency_max - config_.latency_min : config_.refusal_latency;
  const auto base = served ? config_.latency_min : config_.refusal_latency / 2;
  return std::chrono::duration_cast<SteadyClock::duration>(base + std::chrono::duration<double, std::milli>(
                                                                      u * static_cast<double>(span.count())));
}

void SimProvider::admit(const CallTokens& tokens, Response& r) {
  const std::lock_guard<std::mutex> lock(mu_);
  const auto now = clock_->now();
  const double wait = std::max(requests_.wait_for(1.0, now), tokens_.wait_for(tokens.total(), now));
  // Refilled to `now` like the enforcing pair, so that their headers are current.
  (void)reported_requests_.wait_for(1.0, now);
  (void)reported_tokens_.wait_for(0.0, now);
  if (wait <= 0.0) {
    for (Bucket* b : {&requests_, &reported_requests_}) b->take(1.0);
    for (Bucket* b : {&tokens_, &reported_tokens_}) b->take(tokens.total());
    r.total_tokens = tokens.total();
    r.cost_usd = cost_of(r.total_tokens);
    ++totals_.served;
    totals_.tokens += r.total_tokens;
    totals_.billed_usd += r.cost_usd;
    if (now >= steady_from_) ++totals_.steady_served;
  } else {
    r.status = 429;
    r.retry_after = std::chrono::milliseconds(static_cast<long long>(std::ceil(wait * 1000.0)));
    ++totals_.refused;
    if (now >= steady_from_) ++totals_.steady_refused;
  }
  const auto limit = [](double v) { return std::to_string(static_cast<long long>(std::llround(v))); };
  r.headers = {{"x-ratelimit-limit-requests", limit(reported_requests_.per_minute())},
               {"x-ratelimit-limit-tokens", limit(reported_tokens_.per_minute())},
               {"x-ratelimit-remaining-requests", std::to_string(reported_requests_.remaining())},
               {"x-ratelimit-remaining-tokens", std::to_string(reported_tokens_.remaining())},
               {"x-ratelimit-reset-requests", go_duration(reported_requests_.seconds_to_full())},
               {"x-ratelimit-reset-tokens", go_duration(reported_tokens_.seconds_to_full())}};
}

void SimProvider::wait(SteadyClock::duration d) {
  const auto until = clock_->now() + d;
  std::unique_lock<std::mutex> lock(sleep_mu_);
  while (clock_->now() < until) clock_->wait_until(lock, sleep_cv_, until, false);
}

Response SimProvider::call(const CallTokens& tokens) {
  Response r;
  admit(tokens, r);
  if (r.status == 429) {
    // HTTP's retry-after is whole seconds; OpenAI adds retry-after-ms, which its SDK prefers.
    r.headers.emplace_back("retry-after", std::to_string((r.retry_after.count() + 999) / 1000));
    r.headers.emplace_back("retry-after-ms", std::to_string(r.retry_after.count()));
  }
  wait(draw_latency(r.status == 200));
  return r;
}

ProviderTotals SimProvider::totals() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return totals_;
}

}  // namespace bench_quota

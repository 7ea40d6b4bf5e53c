// Runs the quota cases against the simulated provider.
#include "quota_cases.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>

namespace lb = leadscout::batch;
namespace fs = std::filesystem;

namespace bench_quota {

namespace {

// A call's completion is at most this long, so prompt + max_completion never underestimates
// it: the token estimate clients send (OpenAI's cookbook counts max_tokens the same way).
constexpr int max_completion = 100;
constexpr double mean_completion = 50;
constexpr const char* quota_name = "llm";

struct Call {
  std::string id;
  CallTokens tokens;
};

struct Done {
  std::int64_t tokens = 0;
};
[[maybe_unused]] void to_json(nlohmann::json& j, const Done& d) { j = nlohmann::json{{"tokens", d.tokens}}; }
[[maybe_unused]] void from_json(const nlohmann::json& j, Done& d) { j.at("tokens").get_to(d.tokens); }

/// Prompts of 30..70 tokens and completions of 10..90: 100 tokens a call on average.
std::vector<Call> make_calls(std::size_t n) {
  std::vector<Call> calls;
  calls.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = mix(i);
    calls.push_back(Call{"call-" + std::to_string(i),
                         CallTokens{.prompt = 30 + static_cast<int>(h % 41),
                                    .completion = 10 + static_cast<int>((h >> 20) % 81)}});
  }
  return calls;
}

lb::Options base_options(const std::string& name, std::size_t concurrency, const fs::path& dir) {
  lb::Options opt;
  opt.operation = name;
  opt.progress_dir = dir / "progress";
  opt.concurrency = concurrency;
  opt.fresh = true;
  opt.handle_signals = false;
  opt.progress_bar = lb::ProgressBarMode::off;
  opt.systemd_notify = false;
  // A 429 is retried after its retry-after for as long as the run lasts.
  opt.retry.max_attempts = 100000;
  return opt;
}

double ceiling_of(const ProviderConfig& p, double mean_tokens) {
  return std::min(p.requests_per_minute, p.tokens_per_minute / mean_tokens) / 60.0;
}

/// Permits of the budget case: when each was granted and settled, its estimate and actual cost.
struct PermitLog {
  struct Entry {
    SteadyClock::time_point granted, settled;
    double estimate = 0, actual = 0;
  };
  std::mutex mu;
  std::vector<Entry> entries;
  void add(const Entry& e) {
    const std::lock_guard<std::mutex> lock(mu);
    entries.push_back(e);
  }
};

/// The callback of every quota case: a permit for the call, headers observed, 429 reported to
/// the quota, actual usage settled. `log`, when given, records each settled permit.
auto quota_callback(SimProvider& provider, double cost_factor, PermitLog* log) {
  return [&provider, cost_factor, log](const Call& call, lb::Context& ctx) -> lb::Outcome<Done> {
    const lb::Usage estimate{
        .tokens = call.tokens.prompt + max_completion,
        .cost_usd = provider.cost_of(call.tokens.prompt + static_cast<std::int64_t>(mean_completion)) * cost_factor};
    lb::Permit permit = ctx.acquire(quota_name, estimate);
    if (!permit) return permit.failure();
    const auto granted = SteadyClock::now();
    const Response r = provider.call(call.tokens);
    permit.observe_headers(r.headers);
    if (r.status == 429) return permit.rate_limited(r.retry_after);
    // Taken before settle(): a permit counts as in flight until then, never less.
    if (log != nullptr) log->add({granted, SteadyClock::now(), estimate.cost_usd, r.cost_usd});
    permit.settle(lb::Usage{.tokens = r.total_tokens, .cost_usd = r.cost_usd});
    return Done{r.total_tokens};
  };
}

}  // namespace

std::vector<CaseSpec> rate_cases() {
  ProviderConfig tpm_binds;  // 60,000 TPM / 100 tokens = 10 calls/s, under 1,200 RPM = 20/s
  tpm_binds.requests_per_minute = 1200;
  tpm_binds.tokens_per_minute = 60000;
  ProviderConfig rpm_binds = tpm_binds;  // 1,200 RPM = 20 calls/s, under 240,000 TPM = 40/s
  rpm_binds.tokens_per_minute = 240000;
  std::vector<CaseSpec> cases;
  for (const auto& [suffix, provider] : {std::pair{"tpm", tpm_binds}, std::pair{"rpm", rpm_binds}}) {
    const std::string s = suffix;
    cases.push_back({"configured_" + s, Mode::configured, provider, 32, 0.95, 0.01});
    cases.push_back({"learned_" + s, Mode::learned, provider, 32, 0.85, 0.05});
    cases.push_back({"no_quota_" + s, Mode::no_quota, provider, 32, 0.0, 1.0});
  }
  // Strict providers: the minute's rates enforced a second at a time, or a whole minute that
  // may be spent at once; either way the headers report the minute, and 64 workers learn from them.
  for (const double window : {1.0, 60.0}) {
    ProviderConfig strict = tpm_binds;
    strict.window_seconds = window;
    const std::string name = "learned_window_" + std::to_string(static_cast<int>(window)) + "s";
    cases.push_back({name, Mode::learned, strict, 64, 0.90, 0.01});
  }
  return cases;
}

CaseResult run_rate_case(const CaseSpec& spec, double seconds, const fs::path& dir) {
  CaseResult res;
  res.spec = spec;
  res.seconds = seconds;
  SimProvider provider(spec.provider);
  // More calls than the run can serve: it ends at its deadline, never for want of work.
  const double most = std::max(spec.provider.requests_per_minute, spec.provider.tokens_per_minute / 40.0) / 60.0;
  const auto calls = make_calls(static_cast<std::size_t>(most * seconds * 1.5) + 1000);
  lb::Options opt = base_options(spec.name, spec.concurrency, dir);
  opt.deadline = std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
  const auto& p = spec.provider;
  if (spec.mode == Mode::configured) {
    opt.quotas = {lb::Quota{.name = quota_name,
                            .requests_per_minute = p.requests_per_minute,
                            .tokens_per_minute = p.tokens_per_minute,
                            .max_in_flight = static_cast<int>(spec.concurrency)}};
  } else if (spec.mode == Mode::learned) {
    opt.quotas = {lb::Quota{.name = quota_name}};
  }
  lb::BackgroundProcessor<Call, Done> proc(opt);
  lb::RunStats stats;
  if (spec.mode == Mode::no_quota) {
    stats = proc.run(calls, [&provider](const Call& call, lb::Context&) -> lb::Outcome<Done> {
      const Response r = provider.call(call.tokens);
      if (r.status == 429) return lb::Failure{.reason = "rate_limited", .retry_after = r.retry_after};
      return Done{r.total_tokens};
    });
  } else {
    stats = proc.run(calls, quota_callback(provider, 1.0, nullptr));
  }
  res.provider = provider.totals();
  res.mean_tokens = res.provider.served == 0 ? 0.0
                                             : static_cast<double>(res.provider.tokens) /
                                                   static_cast<double>(res.provider.served);
  res.ceiling = res.mean_tokens > 0 ? ceiling_of(p, res.mean_tokens) : 0.0;
  res.calls_per_second = static_cast<double>(res.provider.served) / seconds;
  const double warmup = std::chrono::duration<double>(p.warmup).count();
  res.steady_calls_per_second =
      seconds > warmup ? static_cast<double>(res.provider.steady_served) / (seconds - warmup) : res.calls_per_second;
  if (const auto it = stats.quotas.find(quota_name); it != stats.quotas.end()) {
    res.quota_rate_limited = it->second.rate_limited_total;
    res.quota_granted = it->second.granted_total;
    res.learned_rpm = it->second.learned_rpm;
    res.learned_tpm = it->second.learned_tpm;
    res.in_flight_limit = it->second.in_flight_limit;
  }
  return res;
}

BudgetResult run_budget_case(double seconds, const fs::path& dir) {
  // LLM-like latency (2-4 s) at 1,200 RPM keeps about 60 of the 64 workers in flight, so
  // there are many permits in flight when the budget runs out.
  ProviderConfig p;
  p.requests_per_minute = 1200;
  p.tokens_per_minute = 240000;
  p.latency_min = std::chrono::milliseconds(2000);
  p.latency_max = std::chrono::milliseconds(4000);
  SimProvider provider(p);
  BudgetResult b;
  b.budget_usd = std::round(p.requests_per_minute / 60.0 * seconds * provider.cost_of(100) * 1e4) / 1e4;
  const auto calls = make_calls(static_cast<std::size_t>(p.requests_per_minute / 60.0 * seconds * 3) + 1000);
  lb::Options opt = base_options("budget", 64, dir);
  opt.deadline = std::chrono::milliseconds(static_cast<long long>(seconds * 4000.0));  // a safety net only
  opt.quotas = {lb::Quota{.name = quota_name,
                          .requests_per_minute = p.requests_per_minute,
                          .tokens_per_minute = p.tokens_per_minute,
                          .max_in_flight = 64,
                          .budget_usd = b.budget_usd}};
  lb::BackgroundProcessor<Call, Done> proc(opt);
  PermitLog log;
  // Cost estimates 10 % under the mean: the overshoot their underestimates allow shows.
  const lb::RunStats stats = proc.run(calls, quota_callback(provider, 0.9, &log));
  b.status = std::string(lb::to_string(stats.status));
  b.seconds = stats.elapsed.count();
  const ProviderTotals t = provider.totals();
  b.provider_billed_usd = t.billed_usd;
  b.served = t.served;
  b.refused = t.refused;
  if (const auto it = stats.quotas.find(quota_name); it != stats.quotas.end()) b.tracked_spent_usd = it->second.spent_usd;
  // After the last grant nothing new is admitted, and at that grant spent + reserved fitted the
  // budget: the overshoot is what the permits then in flight cost above their estimates.
  SteadyClock::time_point last{};
  for (const auto& e : log.entries) last = std::max(last, e.granted);
  for (const auto& e : log.entries) {
    if (e.granted <= last && e.settled >= last) {
      ++b.in_flight_at_last_grant;
      b.in_flight_underestimate_usd += std::max(0.0, e.actual - e.estimate);
    }
  }
  b.bound_usd = b.budget_usd + b.in_flight_underestimate_usd;
  return b;
}

}  // namespace bench_quota

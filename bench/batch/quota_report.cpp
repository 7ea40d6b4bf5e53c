// The tables bench_quota prints.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "quota_cases.hpp"

namespace bench_quota {

namespace {

std::string fmt(const char* format, double a, double b = 0, double c = 0) {
  std::string buf(256, '\0');
  const int n = std::snprintf(buf.data(), buf.size(), format, a, b, c);
  buf.resize(n < 0 ? 0 : std::min(buf.size() - 1, static_cast<std::size_t>(n)));
  return buf;
}

double share(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::configured: return "limits configured";
    case Mode::learned: return "learned, adaptive";
    case Mode::no_quota: return "no quota, per-item retry";
  }
  return "";
}

}  // namespace

void print_rate_table(std::ostream& out, const std::vector<CaseResult>& results, double seconds) {
  out << "\nquota throughput: " << fmt("%.0f", seconds)
      << " s per case against a provider enforcing RPM and TPM over its window (headers report the minute),"
         " 50-150 ms calls\n";
  char line[360];
  std::snprintf(line, sizeof line, "%-18s %-24s %4s %3s %7s %7s %7s %8s %7s %10s %-21s %-4s %5s %5s\n", "case",
                "client", "win", "wk", "calls/s", "steady", "ceiling", "of ceil", "429s", "429s/calls", "target", "",
                "inflt", "cpu s");
  out << line;
  for (const auto& r : results) {
    const std::uint64_t sent = r.provider.served + r.provider.refused;
    const double of_ceiling = r.ceiling > 0 ? r.steady_calls_per_second / r.ceiling : 0.0;
    const double refused = share(r.provider.refused, sent);
    std::string target = "(comparison)";
    std::string verdict;
    if (r.spec.target_share > 0) {
      target = fmt(">=%.0f %%, 429s <=%.0f %%", r.spec.target_share * 100, r.spec.max_429_share * 100);
      verdict = of_ceiling >= r.spec.target_share && refused <= r.spec.max_429_share ? "pass" : "MISS";
    }
    const std::string limit = r.spec.mode == Mode::no_quota ? "-" : std::to_string(r.in_flight_limit);
    const std::string window = fmt("%.0fs", r.spec.provider.window_seconds);
    std::snprintf(line, sizeof line,
                  "%-18s %-24s %4s %3zu %7.2f %7.2f %7.2f %7.1f%% %7llu %9.2f%% %-21s %-4s %5s %5.1f\n",
                  r.spec.name.c_str(), mode_name(r.spec.mode), window.c_str(), r.spec.concurrency,
                  r.calls_per_second, r.steady_calls_per_second,
                  r.ceiling, of_ceiling * 100, static_cast<unsigned long long>(r.provider.refused), refused * 100,
                  target.c_str(), verdict.c_str(), limit.c_str(), r.cpu_seconds);
    out << line;
  }
  out << "calls/s: served over the whole run; steady: after the first 2 s (the provider's buckets start full);\n"
         "ceiling = min(RPM, TPM / mean tokens of the served calls) / 60; of ceil = steady / ceiling;\n"
         "429s/calls over the whole run; win = seconds of the rates the provider's buckets hold;\n"
         "wk = workers; inflt = the quota's in-flight limit at the end\n";
  for (const auto& r : results) {
    out << "  " << r.spec.name << ": " << r.provider.steady_refused << " of the 429s after the warm-up, "
        << fmt("mean %.1f tokens", r.mean_tokens);
    if (r.spec.mode != Mode::no_quota) out << ", " << r.quota_granted << " permits";
    if (r.spec.mode == Mode::learned) out << fmt(", learned %.0f RPM and %.0f TPM", r.learned_rpm, r.learned_tpm);
    out << "\n";
  }
}

void print_budget(std::ostream& out, const BudgetResult& b) {
  const double gap = b.provider_billed_usd > 0
                         ? std::fabs(b.tracked_spent_usd - b.provider_billed_usd) / b.provider_billed_usd
                         : 0.0;
  const bool bound_ok = b.provider_billed_usd <= b.bound_usd + 1e-12;
  out << "\nquota budget: concurrency 64, 1,200 RPM, 2-4 s calls, cost estimates 10 % under the mean\n";
  out << "  status " << b.status
      << fmt(" after %.1f s; %.0f calls served, %.0f refused (429)\n", b.seconds, static_cast<double>(b.served),
             static_cast<double>(b.refused));
  out << fmt("  budget            $%.6f\n", b.budget_usd);
  out << fmt("  provider billed   $%.6f  (%+.3f %% of the budget)\n", b.provider_billed_usd,
             (b.provider_billed_usd / b.budget_usd - 1) * 100);
  out << fmt("  bound             $%.6f  = budget + $%.6f underestimated by the %.0f permits in flight at the last grant",
             b.bound_usd, b.in_flight_underestimate_usd, b.in_flight_at_last_grant)
      << "  -> " << (bound_ok ? "pass" : "MISS") << "\n";
  out << fmt("  tracked spend     $%.6f  (RunStats quotas spent_usd; %.4f %% from the provider's sum, target <= 0.1 %%)",
             b.tracked_spent_usd, gap * 100)
      << "  -> " << (gap <= 0.001 ? "pass" : "MISS") << "\n";
  out << fmt("  cpu %.1f s\n", b.cpu_seconds);
}

}  // namespace bench_quota

// Outcome counts and the summary events of a run.
#include "run_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "leadscout/log/logger.hpp"

namespace leadscout::batch::detail {

namespace ll = leadscout::log;

double round1(double v) noexcept { return std::round(v * 10.0) / 10.0; }

void RunReport::add_resumed_success() noexcept {
  ++succeeded_;
  ++skipped_resumed_;
}

void RunReport::add_resumed_failure(ItemFailure failure) {
  ++failed_;
  failures_.push_back(std::move(failure));
}

void RunReport::add_success(double seconds) noexcept {
  ++succeeded_;
  ++finished_this_run_;
  durations_.add(seconds);
}

void RunReport::add_failure(std::string id, int attempts, double seconds, std::string reason) {
  ++failed_;
  ++finished_this_run_;
  failures_.push_back(ItemFailure{std::move(id), std::move(reason), attempts});
  durations_.add(seconds);
}

void RunReport::merge_metrics(const MetricList& metrics) {
  for (const auto& [name, value] : metrics) {
    auto it = metrics_.find(name);
    if (it == metrics_.end()) {
      metrics_.emplace(name, value);
    } else {
      it->second += value;
    }
  }
}

void RunReport::fill(ProgressSnapshot& s) const {
  s.total = total_;
  s.total_known = total_known_;
  s.expected_total = expected_total_;
  s.succeeded = succeeded_;
  s.failed = failed_;
  s.processed = succeeded_ + failed_;
  // While a streamed input is read, the percentage is of the expected total, or 0 without one.
  const std::uint64_t of = total_known_ ? total_ : expected_total_.value_or(0);
  if (total_known_ && of == 0) {
    s.percentage = 100.0;
  } else {
    s.percentage = of == 0 ? 0.0 : std::min(100.0, round1(static_cast<double>(s.processed) * 100.0 / static_cast<double>(of)));
  }
  s.retried = retried_;
  s.skipped_resumed = skipped_resumed_;
  s.metrics = metrics_;
}

RunStats RunReport::stats(Status status, std::string reason, int signal, std::chrono::duration<double> elapsed) const {
  RunStats stats;
  stats.remaining = total_ - succeeded_ - failed_;
  stats.status = status;
  if (stats.status == Status::completed && stats.remaining > 0) {
    stats.status = Status::failed;  // cannot happen unless the journal lost items
    reason = std::to_string(stats.remaining) + " items without an outcome";
  }
  stats.reason = stats.status == Status::completed ? std::string() : std::move(reason);
  stats.signal = signal;
  stats.total = total_;
  stats.succeeded = succeeded_;
  stats.failed = failed_;
  stats.retried = retried_;
  stats.skipped_resumed = skipped_resumed_;
  stats.elapsed = elapsed;
  stats.failures = failures_;
  stats.metrics = metrics_;
  return stats;
}

void RunReport::log_summary(const Options& opt, const RunStats& stats) const {
  const std::size_t processed = stats.succeeded + stats.failed;
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f%%",
                processed == 0 ? 100.0 : static_cast<double>(stats.succeeded) * 100.0 / static_cast<double>(processed));
  const ll::Fields summary_fields = {{"operation", opt.operation},
                                     {"status", to_string(stats.status)},
                                     {"success_rate", std::string_view(rate)},
                                     {"total_processed", processed},
                                     {"succeeded", stats.succeeded},
                                     {"failed", stats.failed},
                                     {"retried", stats.retried},
                                     {"skipped_resumed", stats.skipped_resumed},
                                     {"remaining", stats.remaining},
                                     {"elapsed_seconds", round1(stats.elapsed.count())},
                                     {"reason", stats.reason}};
  std::int64_t tokens = 0;
  double spent_usd = 0;
  for (const auto& [name, q] : stats.quotas) {
    tokens += q.tokens_total;
    spent_usd += q.spent_usd;
  }
  // Only runs with quotas report usage: a run without them has nothing to say about it.
  const ll::Logger operations =
      stats.quotas.empty() ? ll::get("operations")
                           : ll::get("operations").bind({{"tokens", tokens}, {"spent_usd", spent_usd}});
  if (stats.status == Status::completed) {
    operations.info("Batch processing complete", summary_fields);
  } else {
    operations.warning("Batch processing stopped", summary_fields);
  }
  const double elapsed = stats.elapsed.count();
  const double avg_ms =
      durations_.count == 0 ? 0.0 : round1(durations_.sum_seconds * 1e3 / static_cast<double>(durations_.count));
  ll::get("performance")
      .info("Performance metrics",
            {{"operation", opt.operation},
             {"avg_time_ms", avg_ms},
             {"p95_ms", round1(durations_.quantile(0.95) * 1e3)},
             {opt.item_noun + "_per_second",
              elapsed > 0.0 ? round1(static_cast<double>(finished_this_run_) / elapsed) : 0.0},
             {opt.item_noun, finished_this_run_}});
  ll::Logger business = ll::get("metrics").bind({{"operation", opt.operation}});
  for (const auto& [name, value] : stats.metrics) business = business.bind({{name, value}});
  business.info("Business results");
}

}  // namespace leadscout::batch::detail

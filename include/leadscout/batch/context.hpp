// What a batch callback gets besides its item.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stop_token>
#include <string_view>
#include <utility>

#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/export.hpp"
#include "leadscout/batch/quota.hpp"
#include "leadscout/batch/telemetry.hpp"
#include "leadscout/log/logger.hpp"

namespace leadscout::batch {

namespace detail {
class Worker;
}  // namespace detail

/// Per-attempt context. Lives on the worker's stack; use it only inside the callback.
class LEADSCOUT_BATCH_EXPORT Context {
 public:
  /// Stop is requested when the attempt times out or the batch is cancelled.
  [[nodiscard]] std::stop_token stop_token() const noexcept { return stop_; }
  /// When this attempt times out (Clock::time_point::max() without item_timeout).
  [[nodiscard]] Clock::time_point deadline() const noexcept { return deadline_; }
  /// 1 for the first attempt.
  [[nodiscard]] int attempt() const noexcept { return attempt_; }
  /// The item's id, as in the journal and the log lines.
  [[nodiscard]] std::string_view item_id() const noexcept { return id_; }
  /// The batch's clock.
  [[nodiscard]] Clock& clock() const noexcept { return *clock_; }
  /// A logger bound with item_id and operation (created on first use).
  [[nodiscard]] const leadscout::log::Logger& log();
  /// Adds `delta` to a business counter; the item's final attempt counts. Summed in the
  /// summary, the "Business results" event and the Prometheus file.
  void metric(std::string_view name, std::int64_t delta = 1);
  /// Adds `value` to the run's histogram `histogram` under `labels` (the exposition adds the
  /// operation's label). Thread-safe. Every attempt counts, whatever its outcome, and only this
  /// run's (the Prometheus file starts empty in each process, as counters do). A family appears
  /// in the Prometheus file once observed. Throws leadscout::Error for a name or label the text
  /// format cannot carry, a label the exposition adds itself (`operation`, `shard`, `le`), a
  /// family name the run writes itself (`leadscout_batch_*`, `leadscout_quota_*`,
  /// `leadscout_log_*`, `leadscout_build_*`), buckets that are not finite and ascending or differ
  /// from the family's earlier ones, or a value that is not finite.
  void observe(const Histogram& histogram, std::span<const MetricLabel> labels, double value);
  /// Adds `delta` to the run's counter `name` (a complete family name such as
  /// "leadscout_llm_failovers_total") under `labels`. Thread-safe. As observe(): this run's
  /// attempts, every one; throws leadscout::Error for the same names and for a negative or
  /// non-finite `delta`.
  void count(std::string_view name, std::string_view help, std::span<const MetricLabel> labels, double delta = 1);
  /// Names what is being worked on for the progress file and bar ("MOKGADI MOTALE").
  void set_current(std::string_view text);
  /// Waits for a permit of the quota named `quota` (one of Options::quotas) for a call that
  /// will use about `estimate`. The wait does not count toward item_timeout: deadline() moves
  /// by its length. Returns a falsy permit when the attempt or the run is stopping, or when the
  /// estimate can never fit in the quota's budget, which stops the run with
  /// Status::budget_exhausted; return permit.failure() then, and the item waits for a resume.
  /// Throws leadscout::Error for a name that is not a quota of the run.
  [[nodiscard]] Permit acquire(std::string_view quota, Usage estimate = {});
  /// Adds `used` to the quota named `quota` for work that took no permit of this attempt (the
  /// provider's batch that answered it): counted in the quota's spend, its budget and the
  /// journal, never waited for or refused. Throws leadscout::Error for a name that is not a
  /// quota of the run.
  void charge(std::string_view quota, Usage used);

 private:
  friend class detail::Worker;
  Context(std::stop_token stop, Clock::time_point deadline, int attempt, std::string_view id, Clock* clock,
          detail::Worker* worker) noexcept
      : stop_(std::move(stop)), deadline_(deadline), attempt_(attempt), id_(id), clock_(clock), worker_(worker) {}

  std::stop_token stop_;
  Clock::time_point deadline_;
  int attempt_;
  std::string_view id_;
  Clock* clock_;
  detail::Worker* worker_;
  std::optional<leadscout::log::Logger> log_;
};

}  // namespace leadscout::batch

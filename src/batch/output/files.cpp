// Atomic file replacement, item duration statistics, the Prometheus textfile and ISO-8601 time.
#include "files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <charconv>
#include <sstream>

#include "iso8601.hpp"
#include "run_telemetry.hpp"
#include "posix_file.hpp"

namespace leadscout::batch::detail {

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  std::string tmp = path.string();
  tmp += ".tmp.";
  tmp += std::to_string(::getpid());
  common::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!fd.valid()) throw leadscout::Error("cannot create " + tmp + ": " + std::strerror(errno));
  int err = common::write_all(fd.get(), content);
  if (err == 0 && ::fsync(fd.get()) != 0) err = errno;
  fd.reset();
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw leadscout::Error("cannot write " + path.string() + ": " + std::strerror(err));
  }
}

void DurationStats::add(double seconds) noexcept {
  std::size_t b = 0;
  while (b < duration_buckets.size() && seconds > duration_buckets[b]) ++b;
  ++buckets[b];
  const double ns_d = seconds * 1e9;
  const std::uint64_t ns = ns_d < 1.0 ? 1 : ns_d > 1.8e19 ? ~std::uint64_t{0} : static_cast<std::uint64_t>(ns_d);
  const int e = 63 - std::countl_zero(ns);
  const std::uint64_t sub = e >= 2 ? (ns >> (e - 2)) & 3U : 0U;
  ++fine[static_cast<std::size_t>(e) * 4 + sub];
  sum_seconds += seconds;
  ++count;
}

double DurationStats::quantile(double q) const noexcept {
  if (count == 0) return 0.0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < fine.size(); ++i) {
    seen += fine[i];
    if (seen >= rank && fine[i] > 0) {
      const std::size_t e = i / 4;
      const std::size_t sub = i % 4;
      // Upper edge of the bucket: ((4 + sub + 1) << (e - 2)) ns.
      const double upper = e >= 2 ? std::ldexp(static_cast<double>(4 + sub + 1), static_cast<int>(e) - 2)
                                  : static_cast<double>(std::uint64_t{2} << e);
      return upper / 1e9;
    }
  }
  return 0.0;
}

std::string prom_escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string prom_number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, r.ptr);
}

namespace {

/// One gauge or counter per quota figure, labelled with the quota's name.
void quota_metrics(std::ostringstream& o, const std::string& labels,
                   const std::map<std::string, QuotaReport, std::less<>>& quotas) {
  struct Figure {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const QuotaReport&);
  };
  static constexpr Figure figures[] = {
      {"spent_usd", "gauge", "Spend charged to the quota, earlier runs of the operation included.",
       [](const QuotaReport& q) { return q.spent_usd; }},
      {"budget_usd", "gauge", "The quota's budget (0: none).", [](const QuotaReport& q) { return q.budget_usd; }},
      {"tokens_total", "counter", "Tokens charged to the quota, earlier runs included.",
       [](const QuotaReport& q) { return static_cast<double>(q.tokens_total); }},
      {"rate_limited_total", "counter", "Calls the provider refused for its rate limit.",
       [](const QuotaReport& q) { return static_cast<double>(q.rate_limited_total); }},
      {"permits_total", "counter", "Permits granted.",
       [](const QuotaReport& q) { return static_cast<double>(q.granted_total); }},
      {"requests_last_minute", "gauge", "Permits granted in the last 60 s.",
       [](const QuotaReport& q) { return q.requests_last_minute; }},
      {"tokens_last_minute", "gauge", "Tokens of the permits of the last 60 s.",
       [](const QuotaReport& q) { return q.tokens_last_minute; }},
      {"in_flight", "gauge", "Permits held now.", [](const QuotaReport& q) { return static_cast<double>(q.in_flight); }},
      {"in_flight_limit", "gauge", "The in-flight limit now (adaptive or configured).",
       [](const QuotaReport& q) { return static_cast<double>(q.in_flight_limit); }},
      {"waiting", "gauge", "Workers waiting for a permit.",
       [](const QuotaReport& q) { return static_cast<double>(q.waiting); }},
      {"cooldown_seconds", "gauge", "Until permits resume after a rate limit.",
       [](const QuotaReport& q) { return q.cooldown_seconds; }},
      {"requests_per_minute_limit", "gauge", "The request limit in force: configured, else learned (0: none).",
       [](const QuotaReport& q) { return q.configured_rpm > 0 ? q.configured_rpm : q.learned_rpm; }},
      {"tokens_per_minute_limit", "gauge", "The token limit in force: configured, else learned (0: none).",
       [](const QuotaReport& q) { return q.configured_tpm > 0 ? q.configured_tpm : q.learned_tpm; }},
  };
  // The operation's figures of the quotas its shards share (LEADSCOUT_QUOTA_REDIS), as this
  // shard last saw them in the store.
  static constexpr Figure shared_figures[] = {
      {"shared_spent_usd", "gauge", "The operation's spend, every shard's, in the shared store.",
       [](const QuotaReport& q) { return q.shared->spent_usd; }},
      {"shared_reserved_usd", "gauge", "Estimates of every shard's permits in flight (live reservations).",
       [](const QuotaReport& q) { return q.shared->reserved_usd; }},
      {"shared_budget_usd", "gauge", "The budget the shards share (0: none).",
       [](const QuotaReport& q) { return q.budget_usd; }},
  };
  const auto write = [&](const Figure& f, bool shared_only) {
    o << "# HELP leadscout_quota_" << f.name << ' ' << f.help << "\n# TYPE leadscout_quota_" << f.name << ' '
      << f.type << '\n';
    for (const auto& [name, q] : quotas) {
      if (shared_only && !q.shared) continue;
      o << "leadscout_quota_" << f.name << '{' << labels << ",quota=\"" << prom_escape(name) << "\"} "
        << prom_number(f.value(q)) << '\n';
    }
  };
  if (quotas.empty()) return;
  for (const Figure& f : figures) write(f, false);
  if (std::none_of(quotas.begin(), quotas.end(), [](const auto& entry) { return entry.second.shared.has_value(); })) {
    return;
  }
  for (const Figure& f : shared_figures) write(f, true);
}

}  // namespace

std::string prometheus_text(const ProgressSnapshot& s, const DurationStats& d, double progress_timestamp_seconds,
                            const RunTelemetry* telemetry) {
  std::string labels = "operation=\"" + prom_escape(s.operation) + "\"";
  if (s.shard) labels += ",shard=\"" + std::to_string(s.shard->index) + "/" + std::to_string(s.shard->count) + "\"";
  std::ostringstream o;
  o << "# HELP leadscout_batch_items_total Items of the batch by outcome (succeeded includes resumed ones).\n"
    << "# TYPE leadscout_batch_items_total counter\n";
  o << "leadscout_batch_items_total{" << labels << ",status=\"succeeded\"} " << s.succeeded << '\n';
  o << "leadscout_batch_items_total{" << labels << ",status=\"failed\"} " << s.failed << '\n';
  o << "leadscout_batch_items_total{" << labels << ",status=\"skipped_resumed\"} " << s.skipped_resumed << '\n';
  o << "# HELP leadscout_batch_items Items in the input of the batch.\n# TYPE leadscout_batch_items gauge\n"
    << "leadscout_batch_items{" << labels << "} " << s.total << '\n';
  o << "# HELP leadscout_batch_in_flight Items being processed.\n# TYPE leadscout_batch_in_flight gauge\n"
    << "leadscout_batch_in_flight{" << labels << "} " << s.in_flight << '\n';
  o << "# HELP leadscout_batch_retries_total Retried attempts.\n# TYPE leadscout_batch_retries_total counter\n"
    << "leadscout_batch_retries_total{" << labels << "} " << s.retried << '\n';
  o << "# HELP leadscout_batch_item_duration_seconds Duration of finished items in this run.\n"
    << "# TYPE leadscout_batch_item_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < duration_buckets.size(); ++i) {
    cumulative += d.buckets[i];
    o << "leadscout_batch_item_duration_seconds_bucket{" << labels << ",le=\"" << prom_number(duration_buckets[i])
      << "\"} " << cumulative << '\n';
  }
  cumulative += d.buckets.back();
  o << "leadscout_batch_item_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << cumulative << '\n';
  o << "leadscout_batch_item_duration_seconds_sum{" << labels << "} " << prom_number(d.sum_seconds) << '\n';
  o << "leadscout_batch_item_duration_seconds_count{" << labels << "} " << d.count << '\n';
  o << "# HELP leadscout_batch_rate_per_second Smoothed items per second.\n"
    << "# TYPE leadscout_batch_rate_per_second gauge\n"
    << "leadscout_batch_rate_per_second{" << labels << "} " << prom_number(s.rate_per_second) << '\n';
  o << "# HELP leadscout_batch_last_progress_timestamp_seconds When the progress file was last written.\n"
    << "# TYPE leadscout_batch_last_progress_timestamp_seconds gauge\n"
    << "leadscout_batch_last_progress_timestamp_seconds{" << labels << "} " << prom_number(progress_timestamp_seconds)
    << '\n';
  if (s.last_success_at) {
    // The gauge shows whole seconds; a timestamp written without a zone counts as UTC.
    if (const auto micros = common::parse_iso8601(*s.last_success_at, {.optional_zone = true})) {
      const std::int64_t seconds = *micros / 1'000'000 - (*micros % 1'000'000 < 0 ? 1 : 0);  // floor
      o << "# HELP leadscout_batch_last_success_timestamp_seconds When a run of the batch last completed.\n"
        << "# TYPE leadscout_batch_last_success_timestamp_seconds gauge\n"
        << "leadscout_batch_last_success_timestamp_seconds{" << labels << "} "
        << seconds << '\n';
    }
  }
  if (!s.metrics.empty()) {
    o << "# HELP leadscout_batch_business_total Business counters of the batch (Context::metric).\n"
      << "# TYPE leadscout_batch_business_total counter\n";
    for (const auto& [name, value] : s.metrics) {
      o << "leadscout_batch_business_total{" << labels << ",name=\"" << prom_escape(name) << "\"} " << value << '\n';
    }
  }
  quota_metrics(o, labels, s.quotas);
  if (telemetry != nullptr) o << telemetry->prometheus(labels);
  return o.str();
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  return common::format_iso8601_utc(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count(), 3);
}

}  // namespace leadscout::batch::detail

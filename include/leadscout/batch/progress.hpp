// The progress file schema (<progress_dir>/<operation>.json), for the processor that writes
// it and for tools that read it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/batch/export.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/shard.hpp"

namespace leadscout::batch {

/// The operation-wide figures of a quota that the shards of an operation share through a store
/// (LEADSCOUT_QUOTA_REDIS), as one shard last saw them.
struct SharedQuotaReport {
  std::string backend;              ///< where the shared state lives: "redis"
  bool connected = false;           ///< false: the store is lost and this shard runs on its local share
  double requests_last_minute = 0;  ///< every shard's permits in the last 60 s, as last seen
  double tokens_last_minute = 0;    ///< their tokens
  double spent_usd = 0;             ///< every shard's spend, as last seen
  double reserved_usd = 0;          ///< estimates of every shard's permits in flight, as last seen
  std::uint64_t fallbacks = 0;      ///< how often this shard lost the store in this run
};

/// The shared part of a quota's JSON object in the progress file.
inline void to_json(nlohmann::json& j, const SharedQuotaReport& s) {
  j = nlohmann::json{{"backend", s.backend},
                     {"connected", s.connected},
                     {"requests_last_minute", s.requests_last_minute},
                     {"tokens_last_minute", s.tokens_last_minute},
                     {"spent_usd", s.spent_usd},
                     {"reserved_usd", s.reserved_usd},
                     {"fallbacks", s.fallbacks}};
}

/// Reads the shared part; missing fields read as 0 or false.
inline void from_json(const nlohmann::json& j, SharedQuotaReport& s) {
  s.backend = j.value("backend", std::string());
  s.connected = j.value("connected", false);
  s.requests_last_minute = j.value("requests_last_minute", 0.0);
  s.tokens_last_minute = j.value("tokens_last_minute", 0.0);
  s.spent_usd = j.value("spent_usd", 0.0);
  s.reserved_usd = j.value("reserved_usd", 0.0);
  s.fallbacks = j.value("fallbacks", std::uint64_t{0});
}

/// One quota's figures, as in the progress file's `quotas` object and RunStats::quotas. A limit
/// of 0 means "none" and is written as null.
struct QuotaReport {
  double configured_rpm = 0;      ///< requests per minute from Options or LEADSCOUT_QUOTA_<NAME>
  double configured_tpm = 0;      ///< tokens per minute, likewise
  int configured_in_flight = 0;   ///< 0: adaptive
  double learned_rpm = 0;         ///< from the provider's rate-limit headers
  double learned_tpm = 0;         ///< likewise
  double requests_last_minute = 0;  ///< permits granted in the last 60 s
  double tokens_last_minute = 0;    ///< tokens of those permits, as settled
  int in_flight = 0;              ///< permits held now
  int in_flight_limit = 0;        ///< the current limit (adaptive or configured)
  double cooldown_seconds = 0;    ///< until permits resume after a rate limit (0: none)
  std::optional<double> cooldown_until;  ///< Unix seconds when the cooldown ends; none when there is none
  double hold_seconds = 0;        ///< until permits resume after the headers said "empty" (0: none)
  std::uint64_t rate_limited_total = 0;  ///< 429s reported through Permit::rate_limited() in this run
  std::uint64_t granted_total = 0;       ///< permits granted in this run
  int waiting = 0;                ///< workers waiting in Context::acquire()
  std::int64_t tokens_total = 0;  ///< tokens charged, earlier runs of the operation included
  double spent_usd = 0;           ///< spend charged, earlier runs of the operation included
  double reserved_usd = 0;        ///< estimates of the permits in flight
  double budget_usd = 0;          ///< 0: no budget
  bool budget_exhausted = false;  ///< a permit could not fit in the budget
  std::uint64_t malformed_headers = 0;  ///< rate-limit header values that did not parse
  /// The operation-wide figures when the quota is shared between shards (LEADSCOUT_QUOTA_REDIS);
  /// none when it is this process's alone. The configured limits are then the operation's.
  std::optional<SharedQuotaReport> shared;
};

/// The quota's JSON object in the progress file.
inline void to_json(nlohmann::json& j, const QuotaReport& q) {
  const auto limit = [](double v) { return v > 0 ? nlohmann::json(v) : nlohmann::json(nullptr); };
  j = nlohmann::json{
      {"configured",
       {{"requests_per_minute", limit(q.configured_rpm)},
        {"tokens_per_minute", limit(q.configured_tpm)},
        {"max_in_flight", q.configured_in_flight > 0 ? nlohmann::json(q.configured_in_flight) : nlohmann::json("auto")}}},
      {"learned", {{"requests_per_minute", limit(q.learned_rpm)}, {"tokens_per_minute", limit(q.learned_tpm)}}},
      {"requests_last_minute", q.requests_last_minute},
      {"tokens_last_minute", q.tokens_last_minute},
      {"in_flight", q.in_flight},
      {"in_flight_limit", q.in_flight_limit},
      {"cooldown_seconds", q.cooldown_seconds},
      {"cooldown_until", q.cooldown_until ? nlohmann::json(*q.cooldown_until) : nlohmann::json(nullptr)},
      {"hold_seconds", q.hold_seconds},
      {"rate_limited_total", q.rate_limited_total},
      {"granted_total", q.granted_total},
      {"waiting", q.waiting},
      {"tokens_total", q.tokens_total},
      {"spent_usd", q.spent_usd},
      {"reserved_usd", q.reserved_usd},
      {"budget_usd", limit(q.budget_usd)},
      {"budget_exhausted", q.budget_exhausted},
      {"malformed_headers", q.malformed_headers},
      {"shared", q.shared ? nlohmann::json(*q.shared) : nlohmann::json(nullptr)}};
}

/// Reads a quota's object; null limits read as 0. Throws nlohmann::json::exception on a
/// mistyped field.
inline void from_json(const nlohmann::json& j, QuotaReport& q) {
  const auto number = [](const nlohmann::json& obj, const char* key) {
    const auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? 0.0 : it->get<double>();
  };
  const nlohmann::json none = nlohmann::json::object();
  const auto& configured = j.contains("configured") ? j.at("configured") : none;
  const auto& learned = j.contains("learned") ? j.at("learned") : none;
  q.configured_rpm = number(configured, "requests_per_minute");
  q.configured_tpm = number(configured, "tokens_per_minute");
  const auto in_flight = configured.find("max_in_flight");
  q.configured_in_flight = in_flight != configured.end() && in_flight->is_number() ? in_flight->get<int>() : 0;
  q.learned_rpm = number(learned, "requests_per_minute");
  q.learned_tpm = number(learned, "tokens_per_minute");
  q.requests_last_minute = number(j, "requests_last_minute");
  q.tokens_last_minute = number(j, "tokens_last_minute");
  q.in_flight = j.value("in_flight", 0);
  q.in_flight_limit = j.value("in_flight_limit", 0);
  q.cooldown_seconds = number(j, "cooldown_seconds");
  const auto until = j.find("cooldown_until");
  q.cooldown_until = until == j.end() || until->is_null() ? std::nullopt : std::optional<double>(until->get<double>());
  q.hold_seconds = number(j, "hold_seconds");
  q.rate_limited_total = j.value("rate_limited_total", std::uint64_t{0});
  q.granted_total = j.value("granted_total", std::uint64_t{0});
  q.waiting = j.value("waiting", 0);
  q.tokens_total = j.value("tokens_total", std::int64_t{0});
  q.spent_usd = number(j, "spent_usd");
  q.reserved_usd = number(j, "reserved_usd");
  q.budget_usd = number(j, "budget_usd");
  q.budget_exhausted = j.value("budget_exhausted", false);
  q.malformed_headers = j.value("malformed_headers", std::uint64_t{0});
  const auto shared = j.find("shared");
  q.shared = shared == j.end() || shared->is_null() ? std::nullopt
                                                    : std::optional<SharedQuotaReport>(shared->get<SharedQuotaReport>());
}

/// A batch at a provider that a run in batch mode (leadscout::llm::run) waits for.
struct BatchReport {
  std::string id;                ///< the provider's batch id
  std::string status;            ///< the provider's word: validating, in_progress, finalizing, ...
  std::uint64_t requests = 0;    ///< rows in the batch
  std::uint64_t completed = 0;   ///< rows the provider reports done
  std::uint64_t failed = 0;      ///< rows the provider reports failed
  double age_seconds = 0;        ///< since the provider created it (or since the run first saw it)
  double status_seconds = 0;     ///< in its current status
};

/// A batch's object in the progress file's "batches" list.
inline void to_json(nlohmann::json& j, const BatchReport& b) {
  j = nlohmann::json{{"id", b.id},
                     {"status", b.status},
                     {"requests", b.requests},
                     {"completed", b.completed},
                     {"failed", b.failed},
                     {"age_seconds", b.age_seconds},
                     {"status_seconds", b.status_seconds}};
}

/// Reads a batch's object; the counts and times default to 0. Throws nlohmann::json::exception
/// on a missing id or status, or a mistyped field.
inline void from_json(const nlohmann::json& j, BatchReport& b) {
  j.at("id").get_to(b.id);
  j.at("status").get_to(b.status);
  b.requests = j.value("requests", std::uint64_t{0});
  b.completed = j.value("completed", std::uint64_t{0});
  b.failed = j.value("failed", std::uint64_t{0});
  b.age_seconds = j.value("age_seconds", 0.0);
  b.status_seconds = j.value("status_seconds", 0.0);
}

/// One state of a run, as written to the progress file. Schema version 1.
struct ProgressSnapshot {
  static constexpr int current_schema_version = 1;  ///< what this library writes
  int schema_version = current_schema_version;      ///< what the file says
  std::string operation;                            ///< Options::operation
  Status status = Status::starting;                 ///< where the run is
  std::string reason;               ///< why the run stopped, empty while running or when completed
  std::uint64_t processed = 0;      ///< succeeded + failed
  std::uint64_t total = 0;          ///< items of this shard (while total_known is false: seen so far)
  bool total_known = true;          ///< false while a streamed input has not ended: "total" is null
  std::optional<std::uint64_t> expected_total;  ///< Options::expected_total; null when not set
  double percentage = 0.0;          ///< 0..100, one decimal
  std::uint64_t succeeded = 0;      ///< resumed ones included
  std::uint64_t failed = 0;         ///< items that failed finally
  std::uint64_t retried = 0;        ///< retries in this run
  std::uint64_t skipped_resumed = 0;  ///< done items read from the journal, not run again
  std::uint64_t in_flight = 0;      ///< attempts running now
  double rate_per_second = 0.0;     ///< smoothed
  double elapsed_seconds = 0.0;     ///< since run() started
  std::optional<double> eta_seconds;  ///< null when unknown
  std::string current_item;         ///< an item in flight (Context::set_current), or empty
  std::string started_at;           ///< ISO-8601 UTC
  std::string timestamp;            ///< ISO-8601 UTC: the heartbeat
  std::optional<std::string> last_success_at;  ///< when a run of this operation last completed
  std::int64_t pid = 0;             ///< of the running process
  std::string host;                 ///< its host name
  std::optional<ShardSpec> shard;   ///< null when unsharded
  std::map<std::string, std::int64_t, std::less<>> metrics;  ///< Context::metric() sums
  std::map<std::string, QuotaReport, std::less<>> quotas;    ///< Options::quotas, by name
  std::vector<BatchReport> batches;  ///< the provider's batches a run in batch mode waits for
};

// The JSON conversions are inline: they are compiled with the caller's nlohmann_json (and its
// ABI options, such as JSON_DIAGNOSTICS), never taken from the library.

/// The run's figures in the progress file's object: operation, status, the counts, total,
/// expected_total, percentage, rate and ETA. Tools that sum the shards of an operation write
/// their sums with it, in the same layout as each file's.
inline void figures_to_json(nlohmann::json& j, const ProgressSnapshot& s) {
  j["operation"] = s.operation;
  j["status"] = to_string(s.status);
  j["processed"] = s.processed;
  j["total"] = s.total_known ? nlohmann::json(s.total) : nlohmann::json(nullptr);
  j["expected_total"] = s.expected_total ? nlohmann::json(*s.expected_total) : nlohmann::json(nullptr);
  j["percentage"] = s.percentage;
  j["succeeded"] = s.succeeded;
  j["failed"] = s.failed;
  j["retried"] = s.retried;
  j["skipped_resumed"] = s.skipped_resumed;
  j["in_flight"] = s.in_flight;
  j["rate_per_second"] = s.rate_per_second;
  j["eta_seconds"] = s.eta_seconds ? nlohmann::json(*s.eta_seconds) : nlohmann::json(nullptr);
}

/// The progress file's JSON object.
inline void to_json(nlohmann::json& j, const ProgressSnapshot& s) {
  j = nlohmann::json{{"schema_version", s.schema_version},
                     {"reason", s.reason},
                     {"elapsed_seconds", s.elapsed_seconds},
                     {"current_item", s.current_item},
                     {"started_at", s.started_at},
                     {"timestamp", s.timestamp},
                     {"last_success_at",
                      s.last_success_at ? nlohmann::json(*s.last_success_at) : nlohmann::json(nullptr)},
                     {"pid", s.pid},
                     {"host", s.host},
                     {"shard", s.shard ? nlohmann::json{{"index", s.shard->index}, {"count", s.shard->count}}
                                       : nlohmann::json(nullptr)},
                     {"metrics", s.metrics},
                     {"quotas", s.quotas},
                     {"batches", s.batches}};
  figures_to_json(j, s);
}

/// Throws nlohmann::json::exception on a missing or mistyped field.
inline void from_json(const nlohmann::json& j, ProgressSnapshot& s) {
  j.at("schema_version").get_to(s.schema_version);
  j.at("operation").get_to(s.operation);
  const auto status = parse_status(j.at("status").get<std::string>());
  if (!status) throw nlohmann::json::other_error::create(501, "unknown status", &j);
  s.status = *status;
  s.reason = j.value("reason", std::string());
  j.at("processed").get_to(s.processed);
  const auto& total = j.at("total");
  s.total_known = !total.is_null();
  s.total = s.total_known ? total.get<std::uint64_t>() : 0;
  if (auto it = j.find("expected_total"); it != j.end() && !it->is_null()) {
    s.expected_total = it->get<std::uint64_t>();
  } else {
    s.expected_total.reset();
  }
  j.at("percentage").get_to(s.percentage);
  j.at("succeeded").get_to(s.succeeded);
  j.at("failed").get_to(s.failed);
  j.at("retried").get_to(s.retried);
  j.at("skipped_resumed").get_to(s.skipped_resumed);
  j.at("in_flight").get_to(s.in_flight);
  j.at("rate_per_second").get_to(s.rate_per_second);
  j.at("elapsed_seconds").get_to(s.elapsed_seconds);
  const auto& eta = j.at("eta_seconds");
  s.eta_seconds = eta.is_null() ? std::nullopt : std::optional<double>(eta.get<double>());
  j.at("current_item").get_to(s.current_item);
  j.at("started_at").get_to(s.started_at);
  j.at("timestamp").get_to(s.timestamp);
  if (auto it = j.find("last_success_at"); it != j.end() && !it->is_null()) {
    s.last_success_at = it->get<std::string>();
  } else {
    s.last_success_at.reset();
  }
  j.at("pid").get_to(s.pid);
  j.at("host").get_to(s.host);
  const auto& shard = j.at("shard");
  if (shard.is_null()) {
    s.shard.reset();
  } else {
    s.shard = ShardSpec{shard.at("index").get<std::uint32_t>(), shard.at("count").get<std::uint32_t>()};
  }
  s.metrics.clear();
  if (auto it = j.find("metrics"); it != j.end()) {
    for (const auto& [k, v] : it->items()) s.metrics.emplace(k, v.get<std::int64_t>());
  }
  s.quotas.clear();
  if (auto it = j.find("quotas"); it != j.end()) {
    for (const auto& [k, v] : it->items()) s.quotas.emplace(k, v.get<QuotaReport>());
  }
  s.batches.clear();
  if (auto it = j.find("batches"); it != j.end()) it->get_to(s.batches);
}

/// Reads and parses a progress file; throws leadscout::Error naming the file on failure.
[[nodiscard]] LEADSCOUT_BATCH_EXPORT ProgressSnapshot read_progress(const std::filesystem::path& file);

/// File names of an operation (with its shard) inside a progress directory.
struct ProgressFiles {
  std::filesystem::path progress;  ///< `operation[.shard-i-of-n]`.json
  std::filesystem::path status;    ///< batch-status.json
  std::filesystem::path prometheus;  ///< `operation[.shard-i-of-n]`.prom
  std::filesystem::path journal;   ///< `operation[.shard-i-of-n]`.checkpoint.jsonl
};
/// The files of `operation` (and `shard`, when of two or more) in the progress directory `dir`.
[[nodiscard]] LEADSCOUT_BATCH_EXPORT ProgressFiles progress_files(const std::filesystem::path& dir,
                                                                  std::string_view operation,
                                                                  std::optional<ShardSpec> shard);

}  // namespace leadscout::batch

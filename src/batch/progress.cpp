// The progress file schema and the file names of an operation.
#include "leadscout/batch/progress.hpp"

#include <fstream>
#include <string>

#include "shard_env.hpp"

namespace leadscout::batch {

void to_json(nlohmann::json& j, const ProgressSnapshot& s) {
  j = nlohmann::json{{"schema_version", s.schema_version},
                     {"operation", s.operation},
                     {"status", to_string(s.status)},
                     {"reason", s.reason},
                     {"processed", s.processed},
                     {"total", s.total},
                     {"percentage", s.percentage},
                     {"succeeded", s.succeeded},
                     {"failed", s.failed},
                     {"retried", s.retried},
                     {"skipped_resumed", s.skipped_resumed},
                     {"in_flight", s.in_flight},
                     {"rate_per_second", s.rate_per_second},
                     {"elapsed_seconds", s.elapsed_seconds},
                     {"eta_seconds", s.eta_seconds ? nlohmann::json(*s.eta_seconds) : nlohmann::json(nullptr)},
                     {"current_item", s.current_item},
                     {"started_at", s.started_at},
                     {"timestamp", s.timestamp},
                     {"last_success_at",
                      s.last_success_at ? nlohmann::json(*s.last_success_at) : nlohmann::json(nullptr)},
                     {"pid", s.pid},
                     {"host", s.host},
                     {"shard", s.shard ? nlohmann::json{{"index", s.shard->index}, {"count", s.shard->count}}
                                       : nlohmann::json(nullptr)},
                     {"metrics", s.metrics}};
}

void from_json(const nlohmann::json& j, ProgressSnapshot& s) {
  j.at("schema_version").get_to(s.schema_version);
  j.at("operation").get_to(s.operation);
  const auto status = parse_status(j.at("status").get<std::string>());
  if (!status) throw nlohmann::json::other_error::create(501, "unknown status", &j);
  s.status = *status;
  s.reason = j.value("reason", std::string());
  j.at("processed").get_to(s.processed);
  j.at("total").get_to(s.total);
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
}

ProgressSnapshot read_progress(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot open progress file " + file.string());
  try {
    return nlohmann::json::parse(in).get<ProgressSnapshot>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("invalid progress file " + file.string() + ": " + e.what());
  }
}

ProgressFiles progress_files(const std::filesystem::path& dir, std::string_view operation,
                             std::optional<ShardSpec> shard) {
  std::string base(operation);
  if (shard && shard->count > 1) {
    base += "." + common::shard_name({shard->index, shard->count});
  }
  return ProgressFiles{dir / (base + ".json"), dir / "batch-status.json", dir / (base + ".prom"),
                       dir / (base + ".checkpoint.jsonl")};
}

}  // namespace leadscout::batch

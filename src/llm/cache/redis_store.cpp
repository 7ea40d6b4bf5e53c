// One shared Redis link: a lookup is one GET, a store one SET PX.
#include "cache/redis_store.hpp"

#include <hiredis.h>

#include <nlohmann/json.hpp>

#include "leadscout/error.hpp"

namespace leadscout::llm::detail {

namespace {

constexpr std::string_view kEntryPrefix = "leadscout:llm:cache:";
constexpr std::string_view kLeasePrefix = "leadscout:llm:lease:";

/// The warning when the server goes and the note when it is back.
common::RedisLinkEvents outage_reports(const log::Logger& log, const std::string& url) {
  return common::RedisLinkEvents{
      .lost = [log, url](const std::string& error) {
        log.warning("LLM cache server lost, calling instead", {{"address", url}, {"error", error}});
      },
      .back = [log, url] { log.info("LLM cache server back", {{"address", url}}); }};
}

}  // namespace

RedisStore::RedisStore(const std::string& url, CacheOptions options, log::Logger log)
    : url_(url),
      options_(options),
      log_(std::move(log)),
      link_(parse_redis_endpoint(url, "LLM cache"), outage_reports(log_, url_)) {
  // Unreachable at first: a miss until a command finds the server back.
  if (const std::string error = link_.connect(); !error.empty()) {
    log_.warning("LLM cache server unreachable, calling instead", {{"address", url_}, {"error", error}});
  }
}

std::optional<std::string> RedisStore::command(const std::vector<std::string>& args) {
  const common::RedisReplyPtr reply = link_.command(args);
  if (!reply || reply->type == REDIS_REPLY_ERROR) return std::nullopt;
  if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) return std::string(reply->str, reply->len);
  return std::string();
}

std::optional<CachedAnswer> RedisStore::lookup(const std::string& key) {
  const std::optional<std::string> text = command({"GET", std::string(kEntryPrefix) + key});
  if (!text || text->empty()) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return CachedAnswer{.text = j.value("text", ""),
                      .model = j.value("model", ""),
                      .input_tokens = j.value("input_tokens", std::int64_t{0}),
                      .output_tokens = j.value("output_tokens", std::int64_t{0}),
                      .cost_usd = j.value("cost_usd", 0.0)};
}

void RedisStore::store(const std::string& key, const CachedAnswer& answer) {
  const nlohmann::json j = {{"text", answer.text},
                            {"model", answer.model},
                            {"input_tokens", answer.input_tokens},
                            {"output_tokens", answer.output_tokens},
                            {"cost_usd", answer.cost_usd}};
  const auto ttl_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.ttl).count();
  (void)command({"SET", std::string(kEntryPrefix) + key,
                 j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "PX", std::to_string(ttl_ms)});
}

bool RedisStore::claim(const std::string& key, std::chrono::milliseconds lease) {
  const std::optional<std::string> reply =
      command({"SET", std::string(kLeasePrefix) + key, "1", "NX", "PX", std::to_string(lease.count())});
  // Nil (another shard holds it) is "", OK is the claim; a lost server lets this shard call.
  return !reply || !reply->empty();
}

void RedisStore::release(const std::string& key) { (void)command({"DEL", std::string(kLeasePrefix) + key}); }

}  // namespace leadscout::llm::detail

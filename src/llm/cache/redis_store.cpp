// hiredis, blocking, one connection behind a mutex: a lookup is one GET, a store one SET PX.
#include "cache/redis_store.hpp"

#include <hiredis.h>
#include <sys/time.h>

#include <nlohmann/json.hpp>

#include "leadscout/error.hpp"

namespace leadscout::llm::detail {

namespace {

constexpr timeval kIoTimeout{0, 200'000};  // a dead server costs a call at most this
constexpr auto kReconnectInterval = std::chrono::seconds(1);
constexpr std::string_view kEntryPrefix = "leadscout:llm:cache:";
constexpr std::string_view kLeasePrefix = "leadscout:llm:lease:";

struct ReplyDeleter {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

}  // namespace

RedisStore::RedisStore(const std::string& url, CacheOptions options, log::Logger log)
    : url_(url), endpoint_(parse_redis_endpoint(url, "LLM cache")), options_(options), log_(std::move(log)) {
  std::string error;
  {
    const std::lock_guard lock(mutex_);
    error = connect_locked();
    lost_ = !error.empty();
  }
  if (!error.empty()) {
    log_.warning("LLM cache server unreachable, calling instead", {{"address", url_}, {"error", error}});
  }
}

RedisStore::~RedisStore() { drop_locked(); }

void RedisStore::drop_locked() noexcept {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
}

std::string RedisStore::connect_locked() {
  drop_locked();
  next_attempt_ = std::chrono::steady_clock::now() + kReconnectInterval;
  ctx_ = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, kIoTimeout);
  if (ctx_ == nullptr) return "out of memory";
  if (ctx_->err != 0) {
    std::string error = ctx_->errstr;
    drop_locked();
    return error;
  }
  redisSetTimeout(ctx_, kIoTimeout);
  const ReplyPtr selected(static_cast<redisReply*>(redisCommand(ctx_, "SELECT %d", endpoint_.db)));
  if (!selected || selected->type == REDIS_REPLY_ERROR) {
    std::string error = selected ? std::string(selected->str, selected->len) : std::string(ctx_->errstr);
    drop_locked();
    return "SELECT " + std::to_string(endpoint_.db) + ": " + error;
  }
  return {};
}

std::optional<std::string> RedisStore::command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.c_str());
    lens.push_back(a.size());
  }
  std::string error;
  bool lost_now = false;
  bool back_now = false;
  std::optional<std::string> out;
  {
    const std::lock_guard lock(mutex_);
    if (ctx_ == nullptr && std::chrono::steady_clock::now() >= next_attempt_) error = connect_locked();
    if (ctx_ != nullptr) {
      const ReplyPtr reply(static_cast<redisReply*>(
          redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
      if (!reply) {
        error = ctx_->errstr;
        drop_locked();
      } else {
        back_now = lost_;
        lost_ = false;
        if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) {
          out = std::string(reply->str, reply->len);
        } else if (reply->type != REDIS_REPLY_ERROR) {
          out = std::string();
        }
      }
    }
    if (ctx_ == nullptr && !lost_ && !error.empty()) lost_now = lost_ = true;
  }
  // Logged outside the lock, once per outage.
  if (lost_now) log_.warning("LLM cache server lost, calling instead", {{"address", url_}, {"error", error}});
  if (back_now) log_.info("LLM cache server back", {{"address", url_}});
  return out;
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

// The shared quota commands, their heartbeat, and the warnings of the run's Redis connection.
#include "quota_redis.hpp"

#include <hiredis.h>

#include <charconv>
#include <cstdlib>
#include <unistd.h>

#include <algorithm>
#include <random>

#include "leadscout/batch/options.hpp"

namespace leadscout::batch::detail {

namespace {

std::string number(double v) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, ptr) : std::string("0");
}

double as_double(const redisReply* r) noexcept {
  if (r == nullptr) return 0.0;
  if (r->type == REDIS_REPLY_INTEGER) return static_cast<double>(r->integer);
  if (r->type != REDIS_REPLY_STRING || r->str == nullptr) return 0.0;
  double v = 0.0;
  std::from_chars(r->str, r->str + r->len, v);
  return v;
}

/// A name no other process shares: the host's and process's ids and random bits.
std::string holder_name() {
  std::random_device random;
  char host[256] = {};
  (void)::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(random()) + std::to_string(random());
}

std::uint64_t as_count(const redisReply* r) noexcept {
  return r != nullptr && r->type == REDIS_REPLY_INTEGER && r->integer > 0 ? static_cast<std::uint64_t>(r->integer) : 0U;
}

/// The warning when the server goes and the note when it is back, both naming the variable.
common::RedisLinkEvents outage_reports(const leadscout::log::Logger& log, const std::string& variable,
                                       const std::string& where) {
  return common::RedisLinkEvents{
      .lost = [log, variable, where](const std::string& error) {
        log.warning("Shared quota store lost, using this shard's local share",
                    {{"variable", variable}, {"address", where}, {"error", error}});
      },
      .back = [log, variable, where] {
        log.info("Shared quota store back", {{"variable", variable}, {"address", where}});
      }};
}

}  // namespace

QuotaLink::QuotaLink(const RedisAddress& address, std::string_view variable, leadscout::log::Logger log)
    : log_(std::move(log)), link_(address, outage_reports(log_, std::string(variable), address.text())) {
  if (const std::string error = link_.connect(); !error.empty()) {
    throw leadscout::Error(std::string(variable) + ": cannot reach the Redis server at " + address.text() + ": " + error);
  }
}

common::RedisReplyPtr QuotaLink::command(const std::vector<std::string>& args) {
  common::RedisReplyPtr out = link_.command(args);
  if (out && out->type == REDIS_REPLY_ERROR) {
    log_.warning("Shared quota command failed",
                 {{"address", link_.address().text()}, {"error", std::string(out->str, out->len)}});
    return nullptr;
  }
  return out;
}

SharedTake RedisQuota::take(const Quota& limits, double tokens, double cost_usd, const SharedHolding& mine) {
  SharedTake t;
  const common::RedisReplyPtr r = link_->command({"EVAL", redis_take_script, "1", key_, number(limits.requests_per_minute),
                                          number(limits.tokens_per_minute), number(limits.burst_seconds), number(tokens),
                                          number(limits.budget_usd), number(cost_usd), holder_.name,
                                          std::to_string(holder_.ttl.count()), number(mine.reserved_usd),
                                          number(mine.spent_usd)});
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 7) return t;
  const long long status = r->element[0]->integer;
  t.status = status == 1 ? SharedTake::Status::granted
             : status == 2 ? SharedTake::Status::wait
                           : SharedTake::Status::never;
  t.wait = std::chrono::milliseconds(r->element[1]->integer);
  t.overloads = as_count(r->element[2]);
  t.spent_usd = as_double(r->element[3]);
  t.requests_last_minute = as_double(r->element[4]);
  t.tokens_last_minute = as_double(r->element[5]);
  t.reserved_usd = as_double(r->element[6]);
  return t;
}

bool RedisQuota::settle(const Quota& limits, double extra_tokens, double cost_usd, double reserved_usd) {
  return link_->command({"EVAL", redis_settle_script, "1", key_, number(extra_tokens), number(limits.tokens_per_minute),
                         number(limits.burst_seconds), number(cost_usd), holder_.name,
                         std::to_string(holder_.ttl.count()), number(reserved_usd)}) != nullptr;
}

std::optional<std::uint64_t> RedisQuota::rate_limited(std::chrono::milliseconds delay) {
  const common::RedisReplyPtr r = link_->command({"EVAL", redis_cooldown_script, "1", key_, std::to_string(delay.count())});
  if (!r) return std::nullopt;
  return as_count(r.get());
}

std::optional<std::uint64_t> RedisQuota::overloaded() {
  const common::RedisReplyPtr r = link_->command({"HINCRBY", key_, "overloads", "1"});
  if (!r) return std::nullopt;
  return as_count(r.get());
}

RedisHeartbeat::RedisHeartbeat(std::shared_ptr<QuotaLink> link, RedisHolder holder)
    : link_(std::move(link)), holder_(std::move(holder)), thread_([this](std::stop_token stop) { run(std::move(stop)); }) {}

RedisHeartbeat::~RedisHeartbeat() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void RedisHeartbeat::add(std::string live_key) {
  const std::lock_guard<std::mutex> guard(mu_);
  live_keys_.push_back(std::move(live_key));
}

void RedisHeartbeat::run(std::stop_token stop) {
  const auto interval = std::max<std::chrono::milliseconds>(holder_.ttl / 3, std::chrono::milliseconds(1));
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    (void)wake_.wait_for(lock, stop, interval, [] { return false; });  // wakes early only to stop
    if (stop.stop_requested()) return;
    if (live_keys_.empty()) continue;
    std::vector<std::string> args{"EVAL", redis_heartbeat_script, std::to_string(live_keys_.size())};
    args.insert(args.end(), live_keys_.begin(), live_keys_.end());
    args.push_back(holder_.name);
    args.push_back(std::to_string(holder_.ttl.count()));
    lock.unlock();  // I/O outside the lock: add() may be called meanwhile
    (void)link_->command(args);
    lock.lock();
  }
}

RedisQuotaStore::RedisQuotaStore(const RedisAddress& address, std::string_view variable, leadscout::log::Logger log,
                                 std::chrono::milliseconds reservation_ttl)
    : link_(std::make_shared<QuotaLink>(address, variable, std::move(log))),
      heartbeat_(std::make_shared<RedisHeartbeat>(link_, RedisHolder{holder_name(), reservation_ttl})) {}

std::shared_ptr<SharedQuota> RedisQuotaStore::quota(std::string_view operation, std::string_view name) {
  std::string key = "leadscout:quota:" + std::string(operation) + ":" + std::string(name);
  heartbeat_->add(key + ":live");
  return std::make_shared<RedisQuota>(link_, std::move(key), heartbeat_);
}

}  // namespace leadscout::batch::detail

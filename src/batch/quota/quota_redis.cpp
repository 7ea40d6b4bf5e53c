// hiredis connection, reconnection and the shared quota commands.
#include "quota_redis.hpp"

#include <hiredis.h>

#include <charconv>
#include <cstdlib>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <random>

#include "leadscout/batch/options.hpp"

namespace leadscout::batch::detail {

namespace {

// A dead server costs a caller at most this, and is asked again after reconnect_interval.
constexpr timeval io_timeout{0, 200'000};
constexpr auto reconnect_interval = std::chrono::seconds(1);

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

}  // namespace

void RedisReplyDeleter::operator()(redisReply* r) const noexcept { freeReplyObject(r); }

RedisLink::RedisLink(RedisAddress address, std::string_view variable, leadscout::log::Logger log)
    : address_(std::move(address)), variable_(variable), log_(std::move(log)) {
  const std::lock_guard<std::mutex> guard(mu_);
  if (const std::string error = connect_locked(); !error.empty()) {
    throw leadscout::Error(variable_ + ": cannot reach the Redis server at " + address_.text() + ": " + error);
  }
}

RedisLink::~RedisLink() { drop_locked(); }

void RedisLink::drop_locked() noexcept {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
}

std::string RedisLink::connect_locked() {
  drop_locked();
  next_attempt_ = std::chrono::steady_clock::now() + reconnect_interval;
  ctx_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, io_timeout);
  if (ctx_ == nullptr) return "out of memory";
  if (ctx_->err != 0) {
    std::string error = ctx_->errstr;
    drop_locked();
    return error;
  }
  redisSetTimeout(ctx_, io_timeout);
  auto* reply = static_cast<redisReply*>(redisCommand(ctx_, "SELECT %d", address_.db));
  const RedisReplyPtr selected(reply);
  if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) {
    std::string error = reply != nullptr ? std::string(reply->str, reply->len) : std::string(ctx_->errstr);
    drop_locked();
    return "SELECT " + std::to_string(address_.db) + ": " + error;
  }
  return {};
}

RedisReplyPtr RedisLink::command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.c_str());
    lens.push_back(a.size());
  }
  std::string error;
  bool lost_now = false;
  bool back_now = false;
  RedisReplyPtr out;
  {
    const std::lock_guard<std::mutex> guard(mu_);
    if (ctx_ == nullptr && std::chrono::steady_clock::now() >= next_attempt_) error = connect_locked();
    if (ctx_ != nullptr) {
      auto* reply = static_cast<redisReply*>(
          redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()));
      if (reply == nullptr) {
        error = ctx_->errstr;
        drop_locked();
      } else {
        out.reset(reply);
        back_now = lost_;
        lost_ = false;
      }
    } else if (error.empty()) {
      return nullptr;  // still lost; the next attempt is not due yet
    }
    if (ctx_ == nullptr && !lost_) lost_now = lost_ = true;
  }
  // Logged outside the lock, once per outage.
  if (lost_now) {
    log_.warning("Shared quota store lost, using this shard's local share",
                 {{"variable", variable_}, {"address", address_.text()}, {"error", error}});
  }
  if (back_now) log_.info("Shared quota store back", {{"variable", variable_}, {"address", address_.text()}});
  if (out && out->type == REDIS_REPLY_ERROR) {
    log_.warning("Shared quota command failed", {{"address", address_.text()}, {"error", std::string(out->str, out->len)}});
    return nullptr;
  }
  return out;
}

SharedTake RedisQuota::take(const Quota& limits, double tokens, double cost_usd, const SharedHolding& mine) {
  SharedTake t;
  const RedisReplyPtr r = link_->command({"EVAL", redis_take_script, "1", key_, number(limits.requests_per_minute),
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
  const RedisReplyPtr r = link_->command({"EVAL", redis_cooldown_script, "1", key_, std::to_string(delay.count())});
  if (!r) return std::nullopt;
  return as_count(r.get());
}

std::optional<std::uint64_t> RedisQuota::overloaded() {
  const RedisReplyPtr r = link_->command({"HINCRBY", key_, "overloads", "1"});
  if (!r) return std::nullopt;
  return as_count(r.get());
}

RedisHeartbeat::RedisHeartbeat(std::shared_ptr<RedisLink> link, RedisHolder holder)
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
    : link_(std::make_shared<RedisLink>(address, variable, std::move(log))),
      heartbeat_(std::make_shared<RedisHeartbeat>(link_, RedisHolder{holder_name(), reservation_ttl})) {}

std::shared_ptr<SharedQuota> RedisQuotaStore::quota(std::string_view operation, std::string_view name) {
  std::string key = "leadscout:quota:" + std::string(operation) + ":" + std::string(name);
  heartbeat_->add(key + ":live");
  return std::make_shared<RedisQuota>(link_, std::move(key), heartbeat_);
}

}  // namespace leadscout::batch::detail

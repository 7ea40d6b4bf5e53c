// hiredis connection, reconnection and outage reports.
#include "redis_link.hpp"

#include <hiredis.h>
#include <sys/time.h>

namespace leadscout::common {

namespace {

// A dead server costs a caller at most this, and is asked again after redis_reconnect_interval.
constexpr timeval redis_io_timeout{0, 200'000};
constexpr auto redis_reconnect_interval = std::chrono::seconds(1);

}  // namespace

void RedisReplyDeleter::operator()(redisReply* r) const noexcept { freeReplyObject(r); }

RedisLink::RedisLink(RedisAddress address, RedisLinkEvents events)
    : address_(std::move(address)), events_(std::move(events)) {}

RedisLink::~RedisLink() { drop_locked(); }

std::string RedisLink::connect() {
  const std::lock_guard<std::mutex> guard(mu_);
  std::string error = connect_locked();
  lost_ = !error.empty();
  return error;
}

void RedisLink::drop_locked() noexcept {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
}

std::string RedisLink::connect_locked() {
  drop_locked();
  next_attempt_ = std::chrono::steady_clock::now() + redis_reconnect_interval;
  ctx_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, redis_io_timeout);
  if (ctx_ == nullptr) return "out of memory";
  if (ctx_->err != 0) {
    std::string error = ctx_->errstr;
    drop_locked();
    return error;
  }
  redisSetTimeout(ctx_, redis_io_timeout);
  const RedisReplyPtr selected(static_cast<redisReply*>(redisCommand(ctx_, "SELECT %d", address_.db)));
  if (!selected || selected->type == REDIS_REPLY_ERROR) {
    std::string error = selected ? std::string(selected->str, selected->len) : std::string(ctx_->errstr);
    drop_locked();
    return "SELECT " + std::to_string(address_.db) + ": " + error;
  }
  return {};
}

RedisReplyPtr RedisLink::command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const std::string& a : args) {
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
      out.reset(static_cast<redisReply*>(
          redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
      if (!out) {
        error = ctx_->errstr;
        drop_locked();
      } else {
        back_now = lost_;
        lost_ = false;
      }
    } else if (error.empty()) {
      return nullptr;  // still lost; the next attempt is not due yet
    }
    if (ctx_ == nullptr && !lost_) lost_now = lost_ = true;
  }
  // Reported outside the lock: the owner logs.
  if (lost_now && events_.lost) events_.lost(error);
  if (back_now && events_.back) events_.back();
  return out;
}

}  // namespace leadscout::common

// One blocking hiredis connection, shared by threads: reconnects at most once a second after
// the server is lost, and reports each outage once, when it starts and when it ends.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "redis_address.hpp"

struct redisContext;
struct redisReply;

namespace leadscout::common {

/// A freed-on-destruction reply.
struct RedisReplyDeleter {
  void operator()(redisReply* r) const noexcept;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

/// What the owner of a link hears about its outages (each called outside the link's lock, once
/// per outage). Either may be empty.
struct RedisLinkEvents {
  std::function<void(const std::string& error)> lost;  ///< a command found the server gone
  std::function<void()> back;                          ///< the first command answered after that
};

/// Thread-safe: commands are serialised by its own mutex. Connect and command timeouts are
/// short, so a dead server stalls a caller for at most about 200 ms, and once a second at most.
class RedisLink {
 public:
  /// Does not connect yet: connect() does, so that each owner decides what a first failure means.
  RedisLink(RedisAddress address, RedisLinkEvents events);
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  /// Connects and selects the database: the error, or empty on success. A failure starts an
  /// outage without calling `lost` (the caller reports it); commands retry the connection.
  [[nodiscard]] std::string connect();

  /// Runs a command: null when the server cannot be reached; an error reply is returned as is.
  [[nodiscard]] RedisReplyPtr command(const std::vector<std::string>& args);

  [[nodiscard]] const RedisAddress& address() const noexcept { return address_; }

 private:
  /// connect() under mu_.
  std::string connect_locked();
  void drop_locked() noexcept;

  const RedisAddress address_;
  const RedisLinkEvents events_;
  std::mutex mu_;
  redisContext* ctx_ = nullptr;
  std::chrono::steady_clock::time_point next_attempt_{};
  bool lost_ = false;  ///< an outage is under way and was reported
};

}  // namespace leadscout::common

// systemd Type=notify: the processor talks sd_notify to a datagram socket named by
// NOTIFY_SOCKET. The test is the service manager: it binds the socket, runs a batch with the
// manual clock and reads what arrived.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <regex>
#include <thread>

#include "batch_test_utils.hpp"

using namespace leadscout::test::batch;
using namespace std::chrono_literals;

namespace {

using Proc = lb::BackgroundProcessor<Item, Out>;

lb::Outcome<Out> ok_of(const Item& item) { return Out{item.value * 2, ""}; }

/// A bound datagram socket standing in for systemd's notify socket, read by a thread of its own
/// (the processor never blocks on a full socket queue: unread messages would be dropped).
class NotifySocket {
 public:
  /// A socket file in `dir`, or an abstract socket when `abstract`.
  explicit NotifySocket(const fs::path& dir, bool abstract = false) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (abstract) {
      name_ = "@leadscout-test-notify-" + std::to_string(::getpid());
      std::memcpy(addr.sun_path + 1, name_.data() + 1, name_.size() - 1);
      len_ = offsetof(sockaddr_un, sun_path) + name_.size();
    } else {
      name_ = (dir / "notify.sock").string();
      std::memcpy(addr.sun_path, name_.data(), name_.size());
      len_ = offsetof(sockaddr_un, sun_path) + name_.size() + 1;
    }
    addr_ = addr;
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr_), static_cast<socklen_t>(len_)) != 0) {
      ADD_FAILURE() << "bind " << name_ << ": " << std::strerror(errno);
    }
    reader_ = std::thread([this] {
      char buf[4096];
      for (;;) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0) {
          if (errno == EINTR) continue;
          return;
        }
        std::string m(buf, static_cast<std::size_t>(n));
        std::lock_guard lock(m_);
        if (m == kQuit) return;
        received_.push_back(std::move(m));
        cv_.notify_all();
      }
    });
  }
  ~NotifySocket() {
    send_self(kQuit);
    reader_.join();
    ::close(fd_);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  [[nodiscard]] const std::string& name() const { return name_; }

  /// Every message sent before this call and not drained yet (a marker sent through the same
  /// queue tells when the reader has seen them all).
  std::vector<std::string> drain() {
    const std::string mark = "MARK=" + std::to_string(marks_++);
    send_self(mark);
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return std::find(received_.begin(), received_.end(), mark) != received_.end(); });
    const auto at = std::find(received_.begin(), received_.end(), mark);
    std::vector<std::string> out(received_.begin(), at);
    received_.erase(received_.begin(), at + 1);
    return out;
  }

 private:
  static constexpr std::string_view kQuit = "QUIT=1";
  void send_self(std::string_view m) {
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    (void)::sendto(fd, m.data(), m.size(), 0, reinterpret_cast<const sockaddr*>(&addr_), static_cast<socklen_t>(len_));
    ::close(fd);
  }

  int fd_ = -1;
  std::string name_;
  sockaddr_un addr_{};
  std::size_t len_ = 0;
  int marks_ = 0;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::string> received_;
  std::thread reader_;
};

std::size_t count(const std::vector<std::string>& messages, std::string_view m) {
  return static_cast<std::size_t>(std::count(messages.begin(), messages.end(), m));
}

std::vector<std::string> statuses(const std::vector<std::string>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    if (m.starts_with("STATUS=")) out.push_back(m);
  }
  return out;
}

}  // namespace

TEST(BatchSystemd, ReadyStatusAndStoppingWithoutWatchdog) {
  TempDir dir;
  NotifySocket sock(dir.path());
  ScopedEnv env("NOTIFY_SOCKET", sock.name().c_str());
  ScopedEnv no_watchdog("WATCHDOG_USEC", nullptr);
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.progress_interval = 1s;
  Proc proc(opt);
  auto items = make_items(10);
  auto s = proc.run(items, [&](const Item& item, lb::Context&) -> lb::Outcome<Out> {
    clock->advance(500ms);
    return ok_of(item);
  });
  EXPECT_EQ(s.status, lb::Status::completed);
  const auto messages = sock.drain();
  ASSERT_GE(messages.size(), 3U);
  EXPECT_EQ(messages.front(), "READY=1");
  EXPECT_EQ(messages.back(), "STOPPING=1");
  EXPECT_EQ(count(messages, "READY=1"), 1U);
  EXPECT_EQ(count(messages, "STOPPING=1"), 1U);
  EXPECT_EQ(count(messages, "WATCHDOG=1"), 0U);
  const auto st = statuses(messages);
  ASSERT_FALSE(st.empty());
  EXPECT_EQ(st.back(), "STATUS=test_op: completed, 10/10 (100.0%), " + st.back().substr(st.back().rfind(' ') + 1))
      << st.back();
  for (const auto& line : st) {
    EXPECT_TRUE(line.starts_with("STATUS=test_op: ")) << line;
    EXPECT_NE(line.find("/10 ("), std::string::npos) << line;
  }
}

TEST(BatchSystemd, RunningStatusShowsCountsRateAndEta) {
  TempDir dir;
  NotifySocket sock(dir.path(), /*abstract=*/true);
  ScopedEnv env("NOTIFY_SOCKET", sock.name().c_str());
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.progress_interval = 1s;
  Proc proc(opt);
  auto items = make_items(40);
  std::vector<std::string> seen;
  auto s = proc.run(items, [&](const Item& item, lb::Context&) -> lb::Outcome<Out> {
    // From the 10th item on, a progress interval passes per item; wait until the coordinator
    // has reported it, so that a running STATUS is certain.
    if (item.value >= 10 && item.value < 12) {
      clock->advance(1s);
      for (;;) {
        auto got = sock.drain();
        const bool status = std::any_of(got.begin(), got.end(), [](const std::string& m) {
          return m.find("ETA ") != std::string::npos;
        });
        seen.insert(seen.end(), got.begin(), got.end());
        if (status) break;
        std::this_thread::sleep_for(1ms);
      }
    }
    return ok_of(item);
  });
  EXPECT_EQ(s.succeeded, 40U);
  const auto st = statuses(seen);
  const auto running = std::find_if(st.begin(), st.end(), [](const std::string& m) {
    return m.find("ETA ") != std::string::npos;
  });
  ASSERT_NE(running, st.end());
  const std::regex shape(R"(STATUS=test_op: \d+/40 \(\d+\.\d%\), \d+\.\d/s, ETA \d+s)");
  EXPECT_TRUE(std::regex_match(*running, shape)) << *running;
}

TEST(BatchSystemd, WatchdogAtHalfTheIntervalWhileWaitingForRetries) {
  TempDir dir;
  NotifySocket sock(dir.path());
  ScopedEnv env("NOTIFY_SOCKET", sock.name().c_str());
  ScopedEnv watchdog("WATCHDOG_USEC", "2000000");  // pet every second
  ScopedEnv watchdog_pid("WATCHDOG_PID", std::to_string(::getpid()).c_str());
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.retry.max_attempts = 3;
  Proc proc(opt);
  auto items = make_items(1);
  // Two failures with Retry-After 10 s: the batch waits 20 s of fake time for its retries.
  auto s = proc.run(items, [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    if (ctx.attempt() < 3) return lb::Failure{"rate_limited", lb::Retry::yes, 10s};
    return ok_of(item);
  });
  EXPECT_EQ(s.succeeded, 1U);
  const double elapsed = s.elapsed.count();
  EXPECT_GE(elapsed, 20.0);
  const auto pets = static_cast<double>(count(sock.drain(), "WATCHDOG=1"));
  EXPECT_GE(pets, elapsed - 2.0);
  EXPECT_LE(pets, elapsed + 2.0);
}

TEST(BatchSystemd, NoWatchdogForAnotherProcessOrWhenDisabled) {
  TempDir dir;
  NotifySocket sock(dir.path());
  ScopedEnv env("NOTIFY_SOCKET", sock.name().c_str());
  ScopedEnv watchdog("WATCHDOG_USEC", "2000000");
  ScopedEnv watchdog_pid("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str());
  auto items = make_items(1);
  auto fn = [](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    if (ctx.attempt() < 2) return lb::Failure{"rate_limited", lb::Retry::yes, 10s};
    return ok_of(item);
  };
  {
    auto opt = test_options(dir.path(), std::make_shared<lb::ManualClock>());
    Proc proc(opt);
    EXPECT_EQ(proc.run(items, fn).succeeded, 1U);
    const auto messages = sock.drain();
    EXPECT_EQ(count(messages, "READY=1"), 1U);
    EXPECT_EQ(count(messages, "WATCHDOG=1"), 0U);
  }
  {
    auto opt = test_options(dir.path(), std::make_shared<lb::ManualClock>());
    opt.fresh = true;
    opt.systemd_notify = false;
    Proc proc(opt);
    EXPECT_EQ(proc.run(items, fn).succeeded, 1U);
    EXPECT_TRUE(sock.drain().empty());
  }
}

TEST(BatchSystemd, StalledBatchStopsPettingTheWatchdog) {
  TempDir dir;
  NotifySocket sock(dir.path());
  ScopedEnv env("NOTIFY_SOCKET", sock.name().c_str());
  ScopedEnv watchdog("WATCHDOG_USEC", "2000000");  // pet every second
  ScopedEnv no_pid("WATCHDOG_PID", nullptr);
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.item_timeout = 2s;
  opt.retry.max_attempts = 1;
  opt.progress_interval = 5s;
  opt.cancel_grace = 1h;
  std::mutex m;
  std::condition_variable cv;
  bool started = false;
  bool release = false;
  Proc proc(opt);
  auto items = make_items(1);
  std::thread runner([&] {
    // The callback ignores its cancellation: after the timeout nothing can make progress.
    (void)proc.run(items, [&](const Item& item, lb::Context&) -> lb::Outcome<Out> {
      std::unique_lock lock(m);
      started = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
      return ok_of(item);
    });
  });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return started; });
  }
  // Within its timeout the running attempt counts as progress.
  const auto while_running = sock.drain();
  EXPECT_EQ(while_running.front(), "READY=1");
  clock->advance(3s);  // past the timeout: the attempt is abandoned, the batch idles
  // Idle, the manual clock jumps ahead on its own; every message for the first seconds is sent
  // before it can pass 10 s, because the coordinator that sends them is the one that jumps.
  while (clock->elapsed() < 10s) std::this_thread::sleep_for(1ms);
  const auto around_timeout = sock.drain();
  while (clock->elapsed() < 60s) std::this_thread::sleep_for(1ms);
  const auto stalled = sock.drain();
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  runner.join();
  EXPECT_GE(count(around_timeout, "WATCHDOG=1") + count(while_running, "WATCHDOG=1"), 1U);
  EXPECT_EQ(count(stalled, "WATCHDOG=1"), 0U);
  EXPECT_FALSE(statuses(stalled).empty());  // the progress writes go on: the process is alive
}

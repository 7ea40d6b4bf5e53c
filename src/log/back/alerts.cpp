#include "alerts.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

extern char** environ;

namespace leadscout::log::detail {
namespace {
constexpr std::size_t max_pending_alerts = 100;
constexpr auto poll_interval = std::chrono::milliseconds(5);
}  // namespace

bool AlertGate::admit(std::string_view logger, std::string_view event, time_point now, std::uint64_t& suppressed) {
  std::string key;
  key.reserve(logger.size() + 1 + event.size());
  key.append(logger).push_back('\n');
  key.append(event);
  Entry& e = entries_[key];
  const bool seen = e.last_sent != time_point{};
  if (seen && now < e.last_sent + window_) {
    ++e.suppressed;
    return false;
  }
  while (!recent_.empty() && recent_.front() + window_ <= now) recent_.pop_front();
  if (recent_.size() >= max_per_window_) {
    ++e.suppressed;
    return false;
  }
  recent_.push_back(now);
  suppressed = e.suppressed;
  e.suppressed = 0;
  e.last_sent = now;
  return true;
}

AlertCommandRunner::AlertCommandRunner(std::string command, std::chrono::milliseconds timeout,
                                       std::atomic<std::uint64_t>& errors)
    : command_(std::move(command)), timeout_(timeout), errors_(errors), thread_([this] { run(); }) {}

AlertCommandRunner::~AlertCommandRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  if (skipped_ != 0) {
    std::fprintf(stderr, "leadscout: %llu alerts were not passed to the alert command (backlog full)\n",
                 static_cast<unsigned long long>(skipped_));
  }
}

void AlertCommandRunner::post(std::string json_line) {
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() >= max_pending_alerts) {
      ++skipped_;
      errors_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    pending_.push_back(std::move(json_line));
  }
  cv_.notify_one();
}

void AlertCommandRunner::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;
    std::string line = std::move(pending_.front());
    pending_.pop_front();
    lock.unlock();
    run_one(line);
    lock.lock();
  }
}

void AlertCommandRunner::report(const std::string& message) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  if (!reported_failure_) {
    std::fprintf(stderr, "leadscout: %s (further alert command failures are counted)\n", message.c_str());
    reported_failure_ = true;
  }
}

void AlertCommandRunner::run_one(const std::string& json_line) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    report(fmt::format("cannot start the alert command: {}", std::strerror(errno)));
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sv[1], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);  // never onto our stdout
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);  // its own process group, so a timeout kills it all
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  char sh[] = "sh", dash_c[] = "-c";
  char* argv[] = {sh, dash_c, command_.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  if (rc != 0) {
    ::close(sv[0]);
    report(fmt::format("cannot run the alert command: {}", std::strerror(rc)));
    return;
  }
  // The JSON fits the socket buffer (lines are bounded); MSG_NOSIGNAL: a command that exits
  // without reading must not raise SIGPIPE in the application.
  ::fcntl(sv[0], F_SETFL, O_NONBLOCK);
  (void)::send(sv[0], json_line.data(), json_line.size(), MSG_NOSIGNAL);
  ::close(sv[0]);

  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      report(fmt::format("alert command `{}` did not finish within {} ms and was killed", command_, timeout_.count()));
      return;
    }
    std::this_thread::sleep_for(poll_interval);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    report(fmt::format("alert command `{}` failed with {} {}", command_,
                       WIFEXITED(status) ? "exit status" : "signal",
                       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status)));
  }
}

}  // namespace leadscout::log::detail

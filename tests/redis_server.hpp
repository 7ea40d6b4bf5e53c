// A real redis-server on a free loopback port, started by a test and killed at scope exit.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>

namespace leadscout::test {

/// redis-server on 127.0.0.1, no persistence. stop() kills it; start() starts it again on the
/// same port (a restart with an empty database).
class RedisServer {
 public:
  /// The redis-server program on PATH, or empty.
  static std::string program() {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/bin:/usr/local/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      const std::filesystem::path p = std::filesystem::path(dir) / "redis-server";
      if (::access(p.c_str(), X_OK) == 0) return p.string();
    }
    return {};
  }
  /// Whether a missing redis-server fails the test (CI=true) rather than skipping it.
  static bool required() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string(ci) == "true";
  }

  RedisServer() : port_(free_port()) { start(); }
  ~RedisServer() { stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  /// True once the server accepts connections.
  [[nodiscard]] bool running() const { return pid_ > 0; }

  void start() {
    if (pid_ > 0) return;
    const std::string exe = program();
    if (exe.empty()) return;
    const std::string port = std::to_string(port_);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open("/dev/null", O_WRONLY);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execl(exe.c_str(), exe.c_str(), "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "", "--appendonly",
              "no", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      if (accepts()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop();
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  /// A loopback port nothing listens on now.
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port = ntohs(a.sin_port);
    }
    ::close(fd);
    return port;
  }

 private:
  [[nodiscard]] bool accepts() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
  }

  int port_;
  pid_t pid_ = -1;
};

}  // namespace leadscout::test

/// Skips the test when redis-server is not installed, or fails it under CI=true.
#define LEADSCOUT_REQUIRE_REDIS_SERVER()                                                      \
  do {                                                                                        \
    if (::leadscout::test::RedisServer::program().empty()) {                                  \
      if (::leadscout::test::RedisServer::required()) FAIL() << "redis-server is not installed"; \
      GTEST_SKIP() << "redis-server is not installed: shared quota tests skipped";            \
    }                                                                                         \
  } while (false)

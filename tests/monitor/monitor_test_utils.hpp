// Helpers of the monitor tests: progress files, raw sockets, a settable steady clock.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "leadscout/batch/progress.hpp"

namespace leadscout::test::monitor {

namespace lb = leadscout::batch;

/// A running snapshot of this process.
inline lb::ProgressSnapshot snapshot(const std::string& operation, std::uint64_t processed, std::uint64_t total,
                                     lb::Status status = lb::Status::running) {
  lb::ProgressSnapshot s;
  s.operation = operation;
  s.status = status;
  s.processed = processed;
  s.succeeded = processed;
  s.total = total;
  s.percentage = total == 0 ? 0.0 : 100.0 * static_cast<double>(processed) / static_cast<double>(total);
  s.started_at = "2025-07-06T10:00:00Z";
  s.timestamp = "2025-07-06T10:00:05Z";
  s.pid = ::getpid();
  s.host = "test";
  return s;
}

inline void write_progress(const std::filesystem::path& dir, const lb::ProgressSnapshot& s) {
  std::ofstream(dir / (s.operation + ".json")) << nlohmann::json(s).dump();
}

inline void write_text(const std::filesystem::path& file, const std::string& text) { std::ofstream(file) << text; }

/// A settable clock for Options::clock.
struct ManualClock {
  std::atomic<std::int64_t> ms{1'000'000};
  void advance(std::chrono::milliseconds d) { ms += d.count(); }
  [[nodiscard]] std::chrono::steady_clock::time_point now() const {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms.load()));
  }
};

/// Opens a TCP connection to 127.0.0.1:port; -1 on failure.
inline int connect_raw(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Sends `request` on a fresh connection and returns the answer: the head and a body of its
/// Content-Length (at most 5 s of waiting per read).
inline std::string raw_exchange(int port, const std::string& request) {
  const int fd = connect_raw(port);
  if (fd < 0) return {};
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[4096];
  for (int i = 0; i < 1000; ++i) {
    if (const auto head_end = out.find("\r\n\r\n"); head_end != std::string::npos) {
      const auto cl = out.find("Content-Length: ");
      const std::size_t length = cl < head_end ? std::stoul(out.substr(cl + 16)) : 0;
      if (out.size() >= head_end + 4 + length) break;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

/// The status code of a raw HTTP answer, or 0.
inline int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

}  // namespace leadscout::test::monitor

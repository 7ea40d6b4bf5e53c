// sd_notify over a Unix datagram socket.
#include "systemd.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace leadscout::batch::detail {

SystemdNotifier::~SystemdNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

void SystemdNotifier::open_from_env() {
  const char* socket_env = std::getenv("NOTIFY_SOCKET");
  if (socket_env == nullptr || socket_env[0] == '\0') return;
  const std::string_view name(socket_env);
  if (name[0] != '/' && name[0] != '@') return;  // only paths and abstract sockets
  sockaddr_un addr{};
  if (name.size() >= sizeof addr.sun_path) return;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.data(), name.size());
  if (name[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  const std::size_t len = offsetof(sockaddr_un, sun_path) + name.size() + (name[0] == '@' ? 0 : 1);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  // A full receiver queue blocks a send for at most this long (libsystemd blocks without a
  // limit; dropping a message is better than stalling the batch).
  const timeval limit{0, 200000};
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  fd_ = fd;
  address_.assign(reinterpret_cast<const char*>(&addr), len);

  // The watchdog: WATCHDOG_USEC, for us unless WATCHDOG_PID names another process.
  const char* usec_env = std::getenv("WATCHDOG_USEC");
  if (usec_env == nullptr) return;
  if (const char* pid_env = std::getenv("WATCHDOG_PID"); pid_env != nullptr && pid_env[0] != '\0') {
    long pid = 0;
    const std::string_view p(pid_env);
    if (std::from_chars(p.data(), p.data() + p.size(), pid).ec != std::errc() || pid != ::getpid()) return;
  }
  unsigned long long usec = 0;
  const std::string_view u(usec_env);
  const auto r = std::from_chars(u.data(), u.data() + u.size(), usec);
  if (r.ec != std::errc() || r.ptr != u.data() + u.size() || usec == 0) return;
  watchdog_ = std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(usec / 2));
}

bool SystemdNotifier::send(std::string_view message) noexcept {
  if (fd_ < 0) return false;
  for (;;) {
    const ssize_t n = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(address_.data()),
                               static_cast<socklen_t>(address_.size()));
    if (n >= 0) return true;
    if (errno != EINTR) return false;
  }
}

}  // namespace leadscout::batch::detail

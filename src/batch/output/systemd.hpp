// The sd_notify protocol (systemd Type=notify): one datagram per message to the Unix socket
// named by NOTIFY_SOCKET. Written here so that there is no dependency on libsystemd.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace leadscout::batch::detail {

/// Sends READY=1, STATUS=…, WATCHDOG=1 and STOPPING=1 to the service manager. Inactive
/// (every call a no-op) when NOTIFY_SOCKET is unset. send() is thread-safe.
class SystemdNotifier {
 public:
  SystemdNotifier() = default;
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  /// Reads NOTIFY_SOCKET (a path, or an abstract socket starting with '@'), WATCHDOG_USEC and
  /// WATCHDOG_PID. The environment is left as it is.
  void open_from_env();
  [[nodiscard]] bool active() const noexcept { return fd_ >= 0; }
  /// Half of WATCHDOG_USEC when the watchdog is enabled for this process.
  [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_interval() const noexcept { return watchdog_; }
  /// Sends one message ("READY=1", "STATUS=…"); false when inactive or the send failed.
  bool send(std::string_view message) noexcept;

 private:
  int fd_ = -1;
  std::string address_;  ///< sockaddr_un bytes
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace leadscout::batch::detail

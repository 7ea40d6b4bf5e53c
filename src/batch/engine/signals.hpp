// SIGINT/SIGTERM handling for the duration of run().
#pragma once

#include <functional>
#include <string>
#include <thread>

namespace leadscout::batch::detail {

/// Installs SIGINT and SIGTERM handlers (sigaction) that only write the signal number to a
/// self-pipe; a watcher thread reads it and calls `on_signal` outside signal context. The
/// previous handlers are restored by the destructor. One instance at a time per process:
/// a second one throws Error.
class SignalWatch {
 public:
  explicit SignalWatch(std::function<void(int)> on_signal);
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

 private:
  std::function<void(int)> on_signal_;
  std::thread thread_;
};

/// "SIGINT", "SIGTERM", or "signal <n>" for any other signal number.
[[nodiscard]] std::string signal_name(int sig);

}  // namespace leadscout::batch::detail

// SIGINT/SIGTERM: the handler writes the signal number to a self-pipe; a thread reads it.
#include "signals.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include "leadscout/batch/options.hpp"
#include "posix_file.hpp"

namespace leadscout::batch::detail {

namespace {

std::atomic<bool> g_active{false};
int g_pipe[2] = {-1, -1};
struct sigaction g_previous_int;
struct sigaction g_previous_term;

extern "C" void on_signal_handler(int sig) {
  const int saved = errno;
  const auto byte = static_cast<unsigned char>(sig);
  [[maybe_unused]] const ssize_t n = ::write(g_pipe[1], &byte, 1);
  errno = saved;
}

}  // namespace

std::string signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "signal " + std::to_string(sig);
  }
}

SignalWatch::SignalWatch(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
  bool expected = false;
  if (!g_active.compare_exchange_strong(expected, true)) {
    throw leadscout::Error("another batch run already handles SIGINT/SIGTERM; set Options::handle_signals = false");
  }
  if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    g_active = false;
    throw leadscout::Error(std::string("cannot create the signal pipe: ") + std::strerror(errno));
  }
  // The reader blocks; only the writer (the handler) must never block.
  ::fcntl(g_pipe[0], F_SETFL, 0);
  struct sigaction sa {};
  sa.sa_handler = on_signal_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, &g_previous_int);
  ::sigaction(SIGTERM, &sa, &g_previous_term);
  thread_ = std::thread([this] {
    for (;;) {
      unsigned char byte = 0;
      const ssize_t n = common::read_some(g_pipe[0], &byte, 1);
      if (n <= 0 || byte == 0) return;
      on_signal_(byte);
    }
  });
}

SignalWatch::~SignalWatch() {
  ::sigaction(SIGINT, &g_previous_int, nullptr);
  ::sigaction(SIGTERM, &g_previous_term, nullptr);
  (void)common::write_all(g_pipe[1], std::string_view("\0", 1));  // tells the reader to quit
  thread_.join();
  ::close(g_pipe[0]);
  ::close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
  g_active = false;
}

}  // namespace leadscout::batch::detail

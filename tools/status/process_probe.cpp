// Whether the process that wrote a progress file is still alive.
#include "process_probe.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <fstream>
#include <string>

namespace leadscout::status {

PidState probe_local_process(std::string_view host, std::int64_t pid) {
  if (host.empty() || pid <= 0 || pid > INT_MAX) return PidState::unknown;
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return PidState::unknown;
  if (host != std::string_view(buf)) return PidState::unknown;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) {
    return errno == ESRCH ? PidState::dead : PidState::unknown;
  }
  // A killed process that its parent has not reaped yet is a zombie: it still answers kill().
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (std::getline(stat, line)) {
    const auto paren = line.rfind(')');  // the command name may contain spaces and parentheses
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z') return PidState::dead;
  }
  return PidState::alive;
}

}  // namespace leadscout::status

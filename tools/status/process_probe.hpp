// leadscout-status: whether the process that wrote a progress file is still alive.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace leadscout::status {

/// Whether the process that wrote a progress file still exists.
enum class PidState { alive, dead, unknown };

/// Says whether `pid` on `host` is alive: unknown on another host (or without a pid).
using ProcessProbe = std::function<PidState(std::string_view host, std::int64_t pid)>;

/// The real probe: compares `host` with gethostname() and asks kill(pid, 0), EPERM counting as
/// alive; a zombie (killed, not reaped yet, per /proc/<pid>/stat) counts as dead.
[[nodiscard]] PidState probe_local_process(std::string_view host, std::int64_t pid);

}  // namespace leadscout::status

// Status names and the default progress directory.
#include "leadscout/batch/options.hpp"

#include <cstdlib>

#include "leadscout/log/config.hpp"

namespace leadscout::batch {

std::string_view to_string(Status status) noexcept {
  switch (status) {
    case Status::starting: return "starting";
    case Status::running: return "running";
    case Status::completed: return "completed";
    case Status::interrupted: return "interrupted";
    case Status::deadline_exceeded: return "deadline_exceeded";
    case Status::failed: return "failed";
    case Status::budget_exhausted: return "budget_exhausted";
  }
  return "failed";
}

std::optional<Status> parse_status(std::string_view text) noexcept {
  for (Status s : {Status::starting, Status::running, Status::completed, Status::interrupted,
                   Status::deadline_exceeded, Status::failed, Status::budget_exhausted}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::filesystem::path default_progress_dir() {
  // The variable wins, so a program that sets its own Config::dir still honours it.
  const char* dir = std::getenv("LEADSCOUT_LOG_DIR");
  return (dir != nullptr && *dir != '\0' ? std::filesystem::path(dir) : leadscout::log::log_dir()) / "progress";
}

}  // namespace leadscout::batch

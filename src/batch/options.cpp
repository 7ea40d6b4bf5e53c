// Status names, exit codes, shards from the environment and file names.
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>

#include "leadscout/batch/options.hpp"
#include "leadscout/batch/progress.hpp"
#include "leadscout/batch/shard.hpp"
#include "leadscout/batch/summary.hpp"

#include <csignal>

namespace leadscout::batch {

Error::~Error() = default;

std::string_view to_string(Status status) noexcept {
  switch (status) {
    case Status::starting: return "starting";
    case Status::running: return "running";
    case Status::completed: return "completed";
    case Status::interrupted: return "interrupted";
    case Status::deadline_exceeded: return "deadline_exceeded";
    case Status::failed: return "failed";
  }
  return "failed";
}

std::optional<Status> parse_status(std::string_view text) noexcept {
  for (Status s : {Status::starting, Status::running, Status::completed, Status::interrupted,
                   Status::deadline_exceeded, Status::failed}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

int exit_code(const RunStats& stats) noexcept {
  switch (stats.status) {
    case Status::completed: return 0;
    case Status::interrupted: return stats.signal == SIGTERM ? 143 : 130;
    case Status::deadline_exceeded: return 3;
    case Status::starting:
    case Status::running:
    case Status::failed: return 1;
  }
  return 1;
}

std::filesystem::path default_progress_dir() {
  const char* dir = std::getenv("LEADSCOUT_LOG_DIR");
  return std::filesystem::path(dir != nullptr && *dir != '\0' ? dir : "logs") / "progress";
}

std::uint64_t stable_hash(std::string_view id) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

namespace {

bool parse_u32(std::string_view text, std::uint32_t& out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

std::string describe(std::string_view what, std::string_view value) {
  return std::string(what) + "=\"" + std::string(value) + "\"";
}

}  // namespace

ShardSpec parse_shard(std::string_view text, std::string_view what) {
  const auto slash = text.find('/');
  ShardSpec s;
  if (slash == std::string_view::npos || !parse_u32(text.substr(0, slash), s.index) ||
      !parse_u32(text.substr(slash + 1), s.count) || s.count == 0 || s.index >= s.count) {
    throw Error("invalid shard " + describe(what, text) + ": expected \"i/n\" with 0 <= i < n, e.g. \"0/4\"");
  }
  return s;
}

std::optional<ShardSpec> shard_from_env() {
  if (const char* v = std::getenv("LEADSCOUT_SHARD"); v != nullptr && *v != '\0') {
    return parse_shard(v, "LEADSCOUT_SHARD");
  }
  const char* index = std::getenv("JOB_COMPLETION_INDEX");
  if (index == nullptr || *index == '\0') return std::nullopt;
  ShardSpec s;
  if (!parse_u32(index, s.index)) {
    throw Error("invalid " + describe("JOB_COMPLETION_INDEX", index) + ": expected a non-negative integer");
  }
  const char* count = std::getenv("LEADSCOUT_SHARD_COUNT");
  if (count == nullptr || *count == '\0') {
    throw Error("JOB_COMPLETION_INDEX is set but LEADSCOUT_SHARD_COUNT is not: set it to the Job's completions");
  }
  if (!parse_u32(count, s.count) || s.count == 0) {
    throw Error("invalid " + describe("LEADSCOUT_SHARD_COUNT", count) + ": expected a positive integer");
  }
  if (s.index >= s.count) {
    throw Error("JOB_COMPLETION_INDEX=" + std::string(index) + " is not below LEADSCOUT_SHARD_COUNT=" + count);
  }
  return s;
}

ProgressFiles progress_files(const std::filesystem::path& dir, std::string_view operation,
                             std::optional<ShardSpec> shard) {
  std::string base(operation);
  if (shard && shard->count > 1) {
    base += ".shard-" + std::to_string(shard->index) + "-of-" + std::to_string(shard->count);
  }
  return ProgressFiles{dir / (base + ".json"), dir / "batch-status.json", dir / (base + ".prom"),
                       dir / (base + ".checkpoint.jsonl")};
}

}  // namespace leadscout::batch

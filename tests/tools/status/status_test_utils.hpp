// Helpers for the leadscout-status tests: fabricated progress files and running the real binary
// as a child process.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/batch/progress.hpp"

#include "output/files.hpp"  // src/batch: the private atomic-write and time helpers

#include "utils.hpp"

namespace leadscout::test::status {

namespace fs = std::filesystem;
namespace lb = leadscout::batch;
using TimePoint = std::chrono::system_clock::time_point;

/// 2025-07-06T10:30:15Z: "now" for the tests that pass --now.
inline TimePoint fixed_now() {
  using namespace std::chrono;
  return sys_days{year{2025} / July / 6} + hours{10} + minutes{30} + seconds{15};
}
inline constexpr const char* fixed_now_text = "2025-07-06T10:30:15Z";

inline std::string local_host() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

/// A snapshot of a healthy run on this host by this (live) process, its heartbeat `age` before
/// fixed_now().
inline lb::ProgressSnapshot snapshot(const std::string& operation, lb::Status status, std::uint64_t processed,
                                     std::uint64_t total, std::chrono::milliseconds age = std::chrono::seconds(2)) {
  lb::ProgressSnapshot s;
  s.operation = operation;
  s.status = status;
  s.processed = processed;
  s.succeeded = processed;
  s.total = total;
  s.percentage = total > 0 ? static_cast<double>(processed * 1000 / total) / 10.0 : 0.0;
  s.rate_per_second = 2.0;
  s.elapsed_seconds = static_cast<double>(processed) / 2.0;
  if (status == lb::Status::running) s.eta_seconds = static_cast<double>(total - processed) / 2.0;
  s.current_item = "MOKGADI MOTALE";
  s.started_at = lb::detail::iso8601(fixed_now() - std::chrono::minutes(5));
  s.timestamp = lb::detail::iso8601(fixed_now() - age);
  s.pid = ::getpid();
  s.host = local_host();
  return s;
}

/// Writes `content` to `path` atomically (temporary file, rename), as the processor does.
inline void write_atomic(const fs::path& path, const std::string& content) {
  lb::detail::write_file_atomic(path, content);
}

/// Writes the progress file of `s` into `dir` under its (shard) name.
inline fs::path write_progress(const fs::path& dir, const lb::ProgressSnapshot& s) {
  const fs::path file = lb::progress_files(dir, s.operation, s.shard).progress;
  write_atomic(file, nlohmann::json(s).dump(2));
  return file;
}

/// Writes raw text (corrupt files).
inline void write_raw(const fs::path& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

inline std::string read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

/// The pid of a process that has exited and been reaped: no process has it (until reuse).
inline pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

#ifdef LEADSCOUT_STATUS_BIN
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// The real binary running as a child, stdout and stderr going to files in `work`.
class Child : public leadscout::test::ChildProcess {
 public:
  Child(std::vector<std::string> args, const fs::path& work)
      : ChildProcess(with_binary(std::move(args)), work) {}

 private:
  static std::vector<std::string> with_binary(std::vector<std::string> args) {
    args.insert(args.begin(), LEADSCOUT_STATUS_BIN);
    return args;
  }
};

/// Runs leadscout-status with `args` and waits for it.
inline RunResult run_tool(const std::vector<std::string>& args, const fs::path& work) {
  Child c(args, work);
  RunResult r;
  r.exit_code = c.wait();
  r.out = c.out();
  r.err = c.err();
  return r;
}
#endif

}  // namespace leadscout::test::status

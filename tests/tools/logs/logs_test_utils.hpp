// Helpers for the leadscout-logs tests: a fresh temp directory per test, fixture files (plain
// and gzip), and running the real binary as a child process.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "utils.hpp"

namespace leadscout::test::logs {

namespace fs = std::filesystem;

/// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    for (int i = 0; i < 100; ++i) {
      path_ = fs::temp_directory_path() /
              ("leadscout-logs-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
      if (fs::create_directories(path_)) return;
    }
    throw std::runtime_error("cannot create a temp dir");
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const fs::path& path() const noexcept { return path_; }
  [[nodiscard]] fs::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  fs::path path_;
};

/// Writes `content` to `path` (creating parent directories), replacing the file.
inline void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

/// Appends `content` to `path`.
inline void append_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::app);
  f << content;
  if (!f) throw std::runtime_error("cannot append to " + path.string());
}

/// Writes `content` gzip-compressed to `path`.
inline void write_gz(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  gzFile gz = gzopen(path.c_str(), "wb");
  if (gz == nullptr) throw std::runtime_error("cannot create " + path.string());
  if (!content.empty() &&
      gzwrite(gz, content.data(), static_cast<unsigned>(content.size())) <= 0) {
    gzclose(gz);
    throw std::runtime_error("cannot write " + path.string());
  }
  gzclose(gz);
}

inline std::string read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

/// One JSON log line as leadscout writes it; `extra` is the text after the event field,
/// e.g. `,"provider":"openai"`.
inline std::string line(const std::string& ts, const std::string& level, const std::string& logger,
                        const std::string& event, const std::string& extra = "") {
  return "{\"timestamp\":\"" + ts + "\",\"level\":\"" + level + "\",\"logger\":\"" + logger +
         "\",\"event\":\"" + event + "\"" + extra + "}\n";
}

inline std::size_t count_lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n' ? 1 : 0;
  return n;
}

inline std::size_t count_of(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) ++n;
  return n;
}

/// The result of running the tool.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// A running child process (argv[0] is the program), stdout and stderr going to files.
using Child = leadscout::test::ChildProcess;

#ifdef LEADSCOUT_LOGS_BIN
/// Runs leadscout-logs with `args` in `cwd` and waits for it.
inline RunResult run_tool(const std::vector<std::string>& args, const fs::path& work,
                          const fs::path& cwd) {
  std::vector<std::string> all{LEADSCOUT_LOGS_BIN};
  all.insert(all.end(), args.begin(), args.end());
  Child c(all, work, cwd);
  RunResult r;
  r.exit_code = c.wait();
  r.out = c.out();
  r.err = c.err();
  return r;
}
#endif

}  // namespace leadscout::test::logs

// Headless Chromium for the tests that load the dashboard in a real browser (scripts/test.sh
// --browser installs Debian's chromium; without it those tests skip), and the dashboard in it.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "leadscout/monitor.hpp"
#include "utils.hpp"

namespace leadscout::test {

/// chromium (or chromium-browser) on PATH.
inline std::optional<std::filesystem::path> find_chromium() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::string p(path);
  for (std::size_t start = 0; start <= p.size();) {
    std::size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    for (const char* name : {"chromium", "chromium-browser"}) {
      const std::filesystem::path candidate = std::filesystem::path(p.substr(start, end - start)) / name;
      if (!candidate.parent_path().empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

inline /// Runs chromium headless on `url` with `extra` arguments; returns its standard output.
std::string run_chromium(const std::filesystem::path& chromium, const std::string& url, const std::vector<std::string>& extra) {
  TempDir profile;
  const std::filesystem::path out = profile / "stdout.txt";
  std::vector<std::string> argv{chromium.string(),
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync",
                                "--disable-dev-shm-usage",
                                "--user-data-dir=" + (profile / "profile").string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(fd, 1);
    ::dup2(null, 2);
    ::setpgid(0, 0);  // its renderer and GPU processes go with it on a kill
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > until) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "chromium did not finish within 60 s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return read_file(out);
}

/// The dashboard of a monitor::Server over `progress_dir`, as headless Chromium renders it
/// after `budget_ms` of virtual time.
inline std::string dashboard_dom(const std::filesystem::path& chromium, const std::filesystem::path& progress_dir,
                                 monitor::Scope scope = monitor::Scope::this_process, int budget_ms = 1500) {
  monitor::Options o;
  o.address = "127.0.0.1:0";
  o.progress_dir = progress_dir;
  o.scope = scope;
  o.poll_interval = std::chrono::milliseconds(0);
  monitor::Server server(o);
  return run_chromium(chromium, "http://127.0.0.1:" + std::to_string(server.port()) + "/",
                      {"--dump-dom", "--virtual-time-budget=" + std::to_string(budget_ms)});
}

}  // namespace leadscout::test

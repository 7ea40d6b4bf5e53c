// Running demo_500_leads as a detached child process and reading what it wrote: its log tree,
// results file and progress file.
#pragma once

#include <algorithm>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/batch/progress.hpp"
#include "utils.hpp"

extern char** environ;

namespace leadscout::test::examples {

namespace fs = std::filesystem;
using leadscout::test::read_file;
using leadscout::test::read_lines;

/// A demo process started like `setsid demo ... </dev/null >stdout 2>stderr` in `cwd`,
/// without the caller's LEADSCOUT_* and API key variables, with `extra_env` ("NAME=value").
class Demo {
 public:
  Demo(const fs::path& cwd, const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {})
      : cwd_(cwd) {
    std::vector<std::string> argv{DEMO_500_LEADS};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "LEADSCOUT_", 10) != 0 && std::strncmp(*e, "OPENAI_API_KEY=", 15) != 0 &&
          std::strncmp(*e, "ANTHROPIC_API_KEY=", 18) != 0) {
        env.emplace_back(*e);
      }
    }
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    const std::string out = (cwd / "stdout.txt").string();
    const std::string err = (cwd / "stderr.txt").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setsid();  // no controlling terminal
      if (::chdir(cwd.c_str()) != 0) ::_exit(126);
      const int in = ::open("/dev/null", O_RDONLY);
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in < 0 || o < 0 || e < 0) ::_exit(126);
      ::dup2(in, 0);
      ::dup2(o, 1);
      ::dup2(e, 2);
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      std::vector<char*> en;
      for (auto& s : env) en.push_back(s.data());
      en.push_back(nullptr);
      ::execve(a[0], a.data(), en.data());
      ::_exit(127);
    }
  }
  Demo(const Demo&) = delete;
  Demo& operator=(const Demo&) = delete;
  ~Demo() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  /// The exit status (a signal death counts as 128 + signal); -1 after the guard limit.
  int wait(std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string stdout_text() const { return read_file(cwd_ / "stdout.txt"); }
  [[nodiscard]] std::string stderr_text() const { return read_file(cwd_ / "stderr.txt"); }

 private:
  fs::path cwd_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

/// The concatenated contents of the dated files `<dir>/<stem>-*.log`.
inline std::string dated_log(const fs::path& dir, const std::string& stem) {
  std::string text;
  if (!fs::exists(dir)) return text;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(stem + "-", 0) == 0 && e.path().extension() == ".log") text += read_file(e.path());
  }
  return text;
}

/// Each JSON line of a log text, parsed; fails the test for a line that is not JSON.
inline std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  for (const std::string& line : leadscout::test::split_lines(text)) {
    if (line.empty()) continue;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON (" << e.what() << "): " << line;
    }
  }
  return out;
}

inline std::size_t count_events(const std::vector<nlohmann::json>& lines, const std::string& event) {
  std::size_t n = 0;
  for (const auto& j : lines) n += j.value("event", "") == event ? 1 : 0;
  return n;
}

inline const nlohmann::json* find_event(const std::vector<nlohmann::json>& lines, const std::string& event) {
  for (const auto& j : lines) {
    if (j.value("event", "") == event) return &j;
  }
  return nullptr;
}

/// The fields of one CSV line (quotes and carriage returns removed; no line breaks inside fields).
inline std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::string f;
  bool quoted = false;
  for (const char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.push_back(f);
      f.clear();
    } else if (c != '\r') {  // the CRLF of RFC 4180
      f += c;
    }
  }
  fields.push_back(f);
  return fields;
}

/// Results CSV rows by id, each as id,name,label,confidence,method,provider whatever the order
/// of the file's columns (the header must name them all); fails on a duplicate id.
inline std::map<std::string, std::vector<std::string>> csv_rows(const fs::path& file) {
  static const std::vector<std::string> wanted = {"id", "name", "label", "confidence", "method", "provider"};
  std::map<std::string, std::vector<std::string>> rows;
  const auto lines = read_lines(file);
  EXPECT_FALSE(lines.empty());
  if (lines.empty()) return rows;
  const std::vector<std::string> header = csv_fields(lines[0]);
  std::vector<std::size_t> column;
  for (const std::string& name : wanted) {
    const auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << "no column " << name << " in " << lines[0];
    if (it == header.end()) return rows;
    column.push_back(static_cast<std::size_t>(it - header.begin()));
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> fields = csv_fields(lines[i]);
    EXPECT_EQ(fields.size(), header.size()) << lines[i];
    if (fields.size() != header.size()) continue;
    std::vector<std::string> row;
    for (const std::size_t c : column) row.push_back(fields[c]);
    EXPECT_TRUE(rows.emplace(row[0], row).second) << "duplicate row for " << row[0];
  }
  return rows;
}

inline void expect_every_lead_once(const std::map<std::string, std::vector<std::string>>& rows, int n) {
  EXPECT_EQ(rows.size(), static_cast<std::size_t>(n));
  for (int i = 1; i <= n; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "lead-%04d", i);
    EXPECT_TRUE(rows.contains(id)) << id;
  }
}

/// Polls the progress file until `pred` holds (a hang guard, not a timing assertion).
template <class Pred>
inline std::optional<leadscout::batch::ProgressSnapshot> wait_progress(const fs::path& file, Pred pred,
                                                                std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (fs::exists(file)) {
      try {
        auto s = leadscout::batch::read_progress(file);
        if (pred(s)) return s;
      } catch (const std::exception&) {
        // not written yet
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

}  // namespace leadscout::test::examples

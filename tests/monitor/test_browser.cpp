// The dashboard in a real browser: headless Chromium loads it while a batch runs in a child
// process and the rendered DOM must show the operation, a rising percentage and, at the end,
// the completed status; and the quota panel of a progress file with quotas, with its 429 marks
// on the rate chart. Skipped when chromium is not installed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/batch/progress.hpp"
#include "leadscout/monitor.hpp"
#include "chromium.hpp"
#include "utils.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using leadscout::test::find_chromium;
using leadscout::test::dashboard_dom;
using leadscout::test::run_chromium;

/// A child process with pipes on its standard input and output.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[0]);
      ::close(in[1]);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~Child() {
    close_stdin();
    if (pid_ > 0 && !wait(10s)) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(stdout_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// The next line of output, or nullopt after `limit` or at end of output.
  std::optional<std::string> read_line(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left <= 0ms) return std::nullopt;
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[512];
      const ssize_t n = ::read(stdout_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }

  /// True when the child exited within `limit`.
  bool wait(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return true;
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string buffer_;
};

struct Card {
  std::string status;
  double percent = -1;
};

/// The card of `operation` in a dumped DOM.
std::optional<Card> find_card(const std::string& dom, const std::string& operation) {
  const std::regex card("<section class=\"card\" data-operation=\"" + operation +
                        "\" data-status=\"([a-z_]+)\" data-percent=\"([0-9.]+)\"");
  std::smatch m;
  if (!std::regex_search(dom, m, card)) return std::nullopt;
  return Card{m[1], std::stod(m[2])};
}

}  // namespace

TEST(MonitorBrowser, DashboardShowsTheRunningBatchAndItsEnd) {
  const auto chromium = find_chromium();
  if (!chromium) GTEST_SKIP() << "chromium is not installed (scripts/test.sh --browser installs it)";

  leadscout::test::TempDir work;
  Child child({DASHBOARD_CHILD, work.path().string(), "1000", "1", "20"});
  const auto first = child.read_line(30s);
  ASSERT_TRUE(first && first->rfind("port=", 0) == 0) << (first ? *first : "no output");
  const std::string url = "http://127.0.0.1:" + first->substr(5) + "/";
  const std::string operation = "demo_500_leads";

  // While it runs: the name and a percentage that rises between two page loads.
  std::vector<double> seen;
  bool screenshot_taken = false;
  std::optional<std::string> done;
  const fs::path shot = fs::path(SCREENSHOT_DIR) / "dashboard.png";
  fs::remove(shot);
  for (int round = 0; round < 20 && !done; ++round) {
    const std::string dom = run_chromium(*chromium, url, {"--dump-dom", "--virtual-time-budget=1500"});
    ASSERT_NE(dom.find("leadscout · live operations"), std::string::npos) << dom.substr(0, 500);
    if (const auto c = find_card(dom, operation)) {
      EXPECT_NE(dom.find("<h2>" + operation + "</h2>"), std::string::npos);
      if (c->status == "running") seen.push_back(c->percent);
    }
    if (seen.size() >= 2 && seen.back() > seen.front()) {
      (void)run_chromium(*chromium, url,
                         {"--screenshot=" + shot.string(), "--window-size=1280,900", "--hide-scrollbars",
                          "--virtual-time-budget=3500"});
      screenshot_taken = true;
      break;
    }
    done = child.read_line(10ms);
  }
  ASSERT_GE(seen.size(), 2U) << "the running operation never showed twice";
  EXPECT_GT(seen.back(), seen.front());
  EXPECT_LT(seen.front(), 100.0);
  EXPECT_TRUE(screenshot_taken);
  EXPECT_GT(fs::exists(shot) ? fs::file_size(shot) : 0, 10000U) << shot;

  // At the end: completed, 100 %.
  if (!done) done = child.read_line(120s);
  ASSERT_TRUE(done);
  EXPECT_EQ(*done, "done completed");
  const std::string dom = run_chromium(*chromium, url, {"--dump-dom", "--virtual-time-budget=1500"});
  const auto end = find_card(dom, operation);
  ASSERT_TRUE(end) << dom.substr(0, 2000);
  EXPECT_EQ(end->status, "completed");
  EXPECT_DOUBLE_EQ(end->percent, 100.0);
  EXPECT_NE(dom.find("<span class=\"pill s-completed\">completed</span>"), std::string::npos);
  EXPECT_NE(dom.find("Classification failed"), std::string::npos);  // the recent errors table
  EXPECT_NE(dom.find("API rate limited"), std::string::npos);

  child.close_stdin();
  EXPECT_TRUE(child.wait(20s));
}

TEST(MonitorBrowser, DashboardSaysPlainlyWhenThePollsFail) {
  const auto chromium = find_chromium();
  if (!chromium) GTEST_SKIP() << "chromium is not installed (scripts/test.sh --browser installs it)";
  // Loaded from a file, the page's polls of /progress and /events fail as they do once the
  // process that served it is gone.
  leadscout::test::TempDir dir;
  const fs::path page = dir / "dashboard.html";
  std::ofstream(page) << leadscout::monitor::dashboard_html();
  const std::string dom = run_chromium(*chromium, "file://" + page.string(), {"--dump-dom", "--virtual-time-budget=2500"});
  const std::regex banner(R"re(<div id="banner" role="alert" class="show">The process is gone: the endpoint stopped answering \(([0-9]+) failed polls\))re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, banner)) << dom.substr(0, 3000);
  EXPECT_GE(std::stoi(m[1]), 2);
  EXPECT_NE(dom.find("<span id=\"conntext\">no answer</span>"), std::string::npos);
}

/// The progress file of a running operation of this process, with `quotas`.
void write_snapshot(const fs::path& dir, const std::string& operation,
                    const std::map<std::string, leadscout::batch::QuotaReport, std::less<>>& quotas) {
  leadscout::batch::ProgressSnapshot s;
  s.operation = operation;
  s.status = leadscout::batch::Status::running;
  s.processed = 40;
  s.succeeded = 40;
  s.total = 100;
  s.percentage = 40.0;
  s.started_at = "2025-07-06T10:00:00Z";
  s.timestamp = "2025-07-06T10:00:05Z";
  s.pid = ::getpid();
  s.host = "test";
  s.quotas = quotas;
  std::ofstream(dir / (operation + ".json")) << nlohmann::json(s).dump();
}

TEST(MonitorBrowser, QuotaPanelShowsSpendLimitsAndRateLimitsOnlyForRunsWithQuotas) {
  const auto chromium = find_chromium();
  if (!chromium) GTEST_SKIP() << "chromium is not installed (scripts/test.sh --browser installs it)";
  leadscout::test::TempDir dir;
  leadscout::batch::QuotaReport q;
  q.configured_rpm = 500;
  q.learned_tpm = 200000;
  q.requests_last_minute = 120;
  q.tokens_last_minute = 48000;
  q.in_flight = 6;
  q.in_flight_limit = 16;
  q.rate_limited_total = 7;
  q.spent_usd = 4.1;
  q.budget_usd = 5.0;
  // A cooldown that outlasts the page load, however slow the machine.
  q.cooldown_until = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() + 600;
  write_snapshot(dir.path(), "with_quota", {{"openai", q}});
  write_snapshot(dir.path(), "without_quota", {});

  const std::string dom = dashboard_dom(*chromium, dir.path());

  const auto card_of = [&](const std::string& operation) {
    const auto start = dom.find("data-operation=\"" + operation + "\"");
    if (start == std::string::npos) return std::string();
    return dom.substr(start, dom.find("</section>", start) - start);
  };
  const std::string with = card_of("with_quota");
  ASSERT_FALSE(with.empty()) << dom.substr(0, 3000);
  EXPECT_NE(with.find("<div class=\"quota\" data-quota=\"openai\" data-spend-percent=\"82.0\">"), std::string::npos)
      << with;
  for (const char* text : {"$4.10 / $5.00", "429 × 7", "cooling down", "120 / 500", "48,000 / 200,000", "6 / 16",
                           "class=\"high\""}) {
    EXPECT_NE(with.find(text), std::string::npos) << text << " in " << with;
  }
  const std::string without = card_of("without_quota");
  ASSERT_FALSE(without.empty()) << dom.substr(0, 3000);
  EXPECT_EQ(without.find("class=\"quota"), std::string::npos) << without;
  EXPECT_EQ(without.find("429"), std::string::npos) << without;
}

TEST(MonitorBrowser, QuotaPanelShowsTheLlmCachesHitsAndSavings) {
  const auto chromium = find_chromium();
  if (!chromium) GTEST_SKIP() << "chromium is not installed (scripts/test.sh --browser installs it)";
  leadscout::test::TempDir dir;
  write_snapshot(dir.path(), "cached", {{"openai", leadscout::batch::QuotaReport{}}});
  auto s = nlohmann::json::parse(leadscout::test::read_file(dir.path() / "cached.json"));
  s["metrics"] = {{"llm_cache_hits", 800}, {"llm_cache_misses", 200}, {"llm_cache_saved_usd_micros", 16800}};
  std::ofstream(dir.path() / "cached.json") << s.dump();

  const std::string dom = dashboard_dom(*chromium, dir.path());
  const auto at = dom.find("data-cache-hits=\"800\"");
  ASSERT_NE(at, std::string::npos) << dom.substr(0, 3000);
  const std::string line = dom.substr(at, 300);
  EXPECT_NE(line.find("800 hits · 200 misses · $0.0168 saved"), std::string::npos) << line;
}

TEST(MonitorBrowser, RateChartMarksThePollsAtWhichThe429CountRose) {
  const auto chromium = find_chromium();
  if (!chromium) GTEST_SKIP() << "chromium is not installed (scripts/test.sh --browser installs it)";
  leadscout::test::TempDir dir;
  const fs::path staging = dir / "staging";
  fs::create_directories(staging);
  // The count rises all the time, so any two polls of the page see different counts.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    leadscout::batch::QuotaReport q;
    q.spent_usd = 0.5;
    for (std::uint64_t n = 1; !stop; ++n) {
      q.rate_limited_total = n;
      write_snapshot(staging, "limited", {{"openai", q}});
      fs::rename(staging / "limited.json", dir / "limited.json");  // whole files only
      std::this_thread::sleep_for(2ms);
    }
  });
  const std::string dom = dashboard_dom(*chromium, dir.path(), leadscout::monitor::Scope::this_process, 3500);
  stop = true;
  writer.join();
  EXPECT_NE(dom.find("<path class=\"rate-limited\""), std::string::npos) << dom.substr(0, 4000);
  EXPECT_NE(dom.find("red: 429s"), std::string::npos);
}

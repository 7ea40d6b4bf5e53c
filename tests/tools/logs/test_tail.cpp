// `tail -f` in-process with an injected clock: following today's files and moving on to the
// next day's files at midnight, without waiting for a real day to pass.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "commands.hpp"
#include "tail.hpp"
#include "logs_test_utils.hpp"

namespace lt = leadscout::test;

namespace lg = leadscout::logs_tool;
using lt::logs::line;

namespace {

// A stream buffer that several threads may write to and read from.
class LockedBuf : public std::streambuf {
 public:
  std::string text() const {
    std::lock_guard lock(m_);
    return s_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      std::lock_guard lock(m_);
      s_.push_back(static_cast<char>(c));
    }
    return c;
  }
  std::streamsize xsputn(const char* p, std::streamsize n) override {
    std::lock_guard lock(m_);
    s_.append(p, static_cast<std::size_t>(n));
    return n;
  }

 private:
  mutable std::mutex m_;
  std::string s_;
};

// Drives run_tail on a thread. The fake clock says `day`; each poll is counted so the test can
// wait for "one full poll after my write" instead of sleeping for a guessed time.
class TailDriver {
 public:
  TailDriver(lg::TailOptions opt, std::string day) : day_(std::move(day)), out_(&buf_), err_(&errbuf_) {
    lg::TailHooks hooks;
    hooks.today = [this] {
      std::lock_guard lock(m_);
      return day_;
    };
    hooks.sleep = [this](std::chrono::milliseconds) {
      {
        std::lock_guard lock(m_);
        ++polls_;
      }
      cv_.notify_all();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    };
    hooks.stop = [this] { return stop_.load(); };
    thread_ = std::thread([this, opt, hooks] { rc_ = lg::run_tail(opt, hooks, out_, err_); });
  }
  ~TailDriver() { stop(); }

  void set_day(std::string d) {
    std::lock_guard lock(m_);
    day_ = std::move(d);
  }
  // Returns once two more polls have begun, so at least one whole poll ran after the call.
  void settle() {
    std::unique_lock lock(m_);
    const auto target = polls_ + 2;
    ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(30), [&] { return polls_ >= target; }));
  }
  int stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return rc_;
  }
  std::string out() const { return buf_.text(); }
  std::string err() const { return errbuf_.text(); }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::string day_;
  std::uint64_t polls_ = 0;
  std::atomic<bool> stop_{false};
  LockedBuf buf_;
  LockedBuf errbuf_;
  std::ostream out_;
  std::ostream err_;
  int rc_ = -1;
  std::thread thread_;
};

}  // namespace

TEST(LogsTail, PrintsLastLinesOfTodayOnly) {
  lt::logs::TempDir dir;
  std::string today;
  for (int i = 0; i < 5; ++i) {
    today += line("2025-07-06T10:00:0" + std::to_string(i) + "Z", "debug", "classification",
                  "attempt " + std::to_string(i));
  }
  lt::logs::write_file(dir / "debug/classification-2025-07-06.log", today);
  lt::logs::write_file(dir / "debug/classification-2025-07-05.log",
                        line("2025-07-05T10:00:00Z", "debug", "classification", "yesterday"));
  lg::TailOptions opt;
  opt.dir = dir.path().string();
  opt.lines = 3;
  std::ostringstream out;
  std::ostringstream err;
  lg::TailHooks hooks{[] { return std::string("2025-07-06"); }, [](auto) {}, [] { return false; }};
  EXPECT_EQ(lg::run_tail(opt, hooks, out, err), 0);
  EXPECT_EQ(lt::logs::count_lines(out.str()), 3u);
  EXPECT_EQ(out.str().find("attempt 1"), std::string::npos);
  EXPECT_NE(out.str().find("attempt 2"), std::string::npos);
  EXPECT_NE(out.str().find("attempt 4"), std::string::npos);
  EXPECT_EQ(out.str().find("yesterday"), std::string::npos);
}

TEST(LogsTail, FollowsAcrossMidnightRotation) {
  lt::logs::TempDir dir;
  const auto old_ops = dir / "production/operations-2025-07-06.log";
  lt::logs::write_file(old_ops, line("2025-07-06T23:59:58Z", "info", "production", "before start"));
  lg::TailOptions opt;
  opt.dir = dir.path().string();
  opt.follow = true;
  opt.lines = 10;
  opt.pretty = true;
  opt.interval = std::chrono::milliseconds(1);
  TailDriver tail(opt, "2025-07-06");
  tail.settle();
  EXPECT_NE(tail.out().find("before start"), std::string::npos);

  // A line appended to today's file, written in two parts: printed once it is complete.
  lt::logs::append_file(old_ops, "{\"timestamp\":\"2025-07-06T23:59:59Z\",\"level\":\"info\",");
  tail.settle();
  EXPECT_EQ(tail.out().find("late today"), std::string::npos);
  lt::logs::append_file(old_ops, "\"logger\":\"production\",\"event\":\"late today\",\"n\":1}\n");
  tail.settle();
  EXPECT_NE(tail.out().find("2025-07-06T23:59:59Z INFO late today n=1"), std::string::npos) << tail.out();

  // Midnight: the clock moves on and the logger starts the next day's files.
  tail.set_day("2025-07-07");
  tail.settle();
  lt::logs::write_file(dir / "production/operations-2025-07-07.log",
                        line("2025-07-07T00:00:01Z", "info", "production", "after midnight") +
                            line("2025-07-07T00:00:02Z", "error", "api", "Provider unreachable"));
  lt::logs::write_file(dir / "production/errors-2025-07-07.log",
                        line("2025-07-07T00:00:02Z", "error", "api", "Provider unreachable"));
  lt::logs::write_file(dir / "debug/api-calls-2025-07-07.log",
                        line("2025-07-07T00:00:02Z", "error", "api", "Provider unreachable") +
                            line("2025-07-07T00:00:03Z", "debug", "api", "LLM request"));
  // Yesterday's file is compressed and removed by the logger's rotation.
  lt::logs::write_gz(dir / "production/operations-2025-07-06.log.gz", lt::logs::read_file(old_ops));
  std::filesystem::remove(old_ops);
  tail.settle();
  lt::logs::append_file(dir / "debug/api-calls-2025-07-07.log",
                         line("2025-07-07T00:00:04Z", "debug", "api", "LLM response"));
  tail.settle();
  EXPECT_EQ(tail.stop(), 0);

  const std::string out = tail.out();
  EXPECT_NE(out.find("2025-07-07T00:00:01Z INFO after midnight"), std::string::npos) << out;
  EXPECT_NE(out.find("LLM request"), std::string::npos) << out;
  EXPECT_NE(out.find("LLM response"), std::string::npos) << out;
  EXPECT_EQ(lt::logs::count_of(out, "Provider unreachable"), 1u) << "one event, three files:\n" << out;
  EXPECT_EQ(lt::logs::count_of(out, "before start"), 1u) << out;
  EXPECT_EQ(lt::logs::count_of(out, "late today"), 1u) << out;
  EXPECT_TRUE(tail.err().empty()) << tail.err();
}

TEST(LogsTail, FollowsInstancesThatAppearLater) {
  lt::logs::TempDir dir;
  lt::logs::write_file(dir / "production/operations-2025-07-06.shard-0-of-2.log",
                        line("2025-07-06T10:00:00Z", "info", "production", "shard 0 started"));
  lg::TailOptions opt;
  opt.dir = dir.path().string();
  opt.follow = true;
  opt.interval = std::chrono::milliseconds(1);
  TailDriver tail(opt, "2025-07-06");
  tail.settle();
  // A second shard starts writing into the shared tree, and the first one goes on.
  lt::logs::write_file(dir / "production/operations-2025-07-06.shard-1-of-2.log",
                        line("2025-07-06T10:00:01Z", "info", "production", "shard 1 started"));
  lt::logs::append_file(dir / "production/operations-2025-07-06.shard-0-of-2.log",
                         line("2025-07-06T10:00:02Z", "info", "production", "shard 0 goes on"));
  tail.settle();
  EXPECT_EQ(tail.stop(), 0);
  const std::string out = tail.out();
  for (const char* event : {"shard 0 started", "shard 1 started", "shard 0 goes on"}) {
    EXPECT_EQ(lt::logs::count_of(out, event), 1u) << event << "\n" << out;
  }
}

TEST(LogsTail, InstanceOptionFollowsOnlyThatInstance) {
  lt::logs::TempDir dir;
  lt::logs::write_file(dir / "production/operations-2025-07-06.a.log", line("2025-07-06T10:00:00Z", "info", "x", "from a"));
  lt::logs::write_file(dir / "production/operations-2025-07-06.b.log", line("2025-07-06T10:00:01Z", "info", "x", "from b"));
  lg::TailOptions opt;
  opt.dir = dir.path().string();
  opt.filter.instances = {"b"};
  std::ostringstream out;
  std::ostringstream err;
  lg::TailHooks hooks{[] { return std::string("2025-07-06"); }, [](auto) {}, [] { return false; }};
  EXPECT_EQ(lg::run_tail(opt, hooks, out, err), 0);
  EXPECT_EQ(out.str().find("from a"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("from b"), std::string::npos) << out.str();
}

TEST(LogsTail, ReportsCorruptLinesWhileFollowing) {
  lt::logs::TempDir dir;
  const auto f = dir / "debug/classification-2025-07-06.log";
  lt::logs::write_file(f, line("2025-07-06T10:00:00Z", "debug", "classification", "ok"));
  lg::TailOptions opt;
  opt.dir = dir.path().string();
  opt.follow = true;
  opt.interval = std::chrono::milliseconds(1);
  TailDriver tail(opt, "2025-07-06");
  tail.settle();
  lt::logs::append_file(f, "{\"timestamp\":\"garbage\n" +
                                line("2025-07-06T10:00:01Z", "debug", "classification", "still going"));
  tail.settle();
  EXPECT_EQ(tail.stop(), 0);
  EXPECT_NE(tail.out().find("still going"), std::string::npos);
  EXPECT_NE(tail.err().find("classification-2025-07-06.log:2: corrupt line skipped"), std::string::npos)
      << tail.err();
}

TEST(LogsTail, MissingDirectoryIsAPathError) {
  lg::TailOptions opt;
  opt.dir = "no/such/dir/anywhere";
  std::ostringstream out;
  std::ostringstream err;
  lg::TailHooks hooks{[] { return std::string("2025-07-06"); }, [](auto) {}, [] { return false; }};
  EXPECT_THROW((void)lg::run_tail(opt, hooks, out, err), lg::PathError);
}

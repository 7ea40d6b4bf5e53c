// The queue between callers and the backend: order and content across many laps of a small
// ring, events larger than a slot, many producers, drop mode, events of threads that exit
// before anything is flushed, and counter timestamps that read as wall time.
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "async_queue.hpp"
#include "log_test_utils.hpp"
#include "tsc_clock.hpp"

namespace lt = leadscout::test;
namespace ll = leadscout::log;
namespace ld = leadscout::log::detail;

namespace {

/// What the backend saw, in order (only the backend thread writes it until the queue is gone).
struct Seen {
  std::vector<std::string> loggers;
  std::vector<std::string> payloads;
};

std::unique_ptr<ld::AsyncQueue> make_queue(Seen& seen, std::size_t capacity, bool block) {
  return std::make_unique<ld::AsyncQueue>(
      capacity, block,
      [&seen](const spdlog::details::log_msg& m) {
        seen.loggers.emplace_back(m.logger_name.data(), m.logger_name.size());
        seen.payloads.emplace_back(m.payload.data(), m.payload.size());
      },
      [] {});
}

std::string payload_of(int thread, int i) {
  // Sizes from empty to well past a slot's inline bytes, so some events spill to the heap.
  const std::size_t size = static_cast<std::size_t>((i * 37) % 1500);
  return std::to_string(thread) + ":" + std::to_string(i) + ":" + std::string(size, static_cast<char>('a' + i % 26));
}

}  // namespace

TEST(LogQueue, SmallRingWrapsManyTimesKeepingOrderAndBytes) {
  Seen seen;
  auto queue = make_queue(seen, 16, true);
  EXPECT_EQ(queue->capacity(), 16u);
  constexpr int events = 5000;
  for (int i = 0; i < events; ++i) {
    queue->push(std::chrono::system_clock::now(), spdlog::level::info, i % 2 ? "odd" : "even", payload_of(0, i));
  }
  queue.reset();  // writes everything out
  ASSERT_EQ(seen.payloads.size(), static_cast<std::size_t>(events));
  for (int i = 0; i < events; ++i) {
    ASSERT_EQ(seen.payloads[static_cast<std::size_t>(i)], payload_of(0, i)) << i;
    ASSERT_EQ(seen.loggers[static_cast<std::size_t>(i)], i % 2 ? "odd" : "even");
  }
}

TEST(LogQueue, ManyProducersOnATinyRingLoseNothing) {
  Seen seen;
  auto queue = make_queue(seen, 8, true);
  constexpr int threads = 8, per_thread = 2000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        queue->push(std::chrono::system_clock::now(), spdlog::level::info, "p", payload_of(t, i));
      }
    });
  }
  for (auto& w : workers) w.join();
  queue.reset();
  ASSERT_EQ(seen.payloads.size(), static_cast<std::size_t>(threads * per_thread));
  std::map<int, int> next;
  for (const auto& p : seen.payloads) {
    const int t = std::stoi(p.substr(0, p.find(':')));
    ASSERT_EQ(p, payload_of(t, next[t])) << "each producer's events arrive whole and in order";
    ++next[t];
  }
}

TEST(LogQueue, DropModeCountsWhatItDropsButNeverABarrier) {
  Seen seen;
  std::atomic<bool> hold{true};
  auto queue = std::make_unique<ld::AsyncQueue>(
      4, false,
      [&](const spdlog::details::log_msg& m) {
        while (hold.load()) std::this_thread::yield();  // a stuck sink: the ring fills up
        seen.payloads.emplace_back(m.payload.data(), m.payload.size());
      },
      [] {});
  for (int i = 0; i < 100; ++i) queue->push(std::chrono::system_clock::now(), spdlog::level::info, "d", "x");
  EXPECT_GE(queue->dropped(), 90u);
  std::thread barrier([&] {
    queue->push(std::chrono::system_clock::now(), spdlog::level::critical, "d", "barrier", true);
  });
  hold.store(false);
  barrier.join();
  const std::uint64_t dropped = queue->dropped();
  queue.reset();
  EXPECT_EQ(seen.payloads.size() + dropped, 101u);
  EXPECT_EQ(seen.payloads.back(), "barrier");
}

TEST(LogQueue, CounterTimestampsReadAsWallTime) {
  if (!ld::TscClock::usable()) GTEST_SKIP() << "no invariant time-stamp counter";
  ld::TscClock clock;
  const auto before = std::chrono::system_clock::now();
  const std::uint64_t ticks = ld::TscClock::ticks();
  const auto after = std::chrono::system_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  clock.resync();
  const auto t = clock.to_time(ticks);
  EXPECT_GE(t, before - std::chrono::microseconds(500));
  EXPECT_LE(t, after + std::chrono::microseconds(500));
}

TEST(LogQueue, ThreadsThatExitBeforeAnyFlushLoseNothing) {
  lt::TempDir dir;
  ll::init(lt::test_config(dir));  // the system clock: events carry counter timestamps
  constexpr int rounds = 300, per_thread = 20;  // more threads than the per-thread slots
  const auto start = std::chrono::system_clock::now();
  for (int r = 0; r < rounds; r += 30) {
    std::vector<std::thread> workers;
    for (int t = r; t < r + 30; ++t) {
      workers.emplace_back([t] {
        auto log = ll::get("production").bind({{"thread", t}});
        for (int i = 0; i < per_thread; ++i) log.info("Item processed", {{"seq", i}, {"name", "x"}, {"ok", true}});
      });
    }
    for (auto& w : workers) w.join();
  }
  const auto end = std::chrono::system_clock::now();
  ll::shutdown();
  const auto lines = lt::read_dated(dir, "production", "operations");
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(rounds * per_thread));
  std::map<int, int> next;
  for (const auto& j : lines) {
    const int t = j["thread"];
    EXPECT_EQ(j["seq"].get<int>(), next[t]++);
  }
  // Counter timestamps read as the wall time of this run (UTC, to the microsecond).
  const auto iso = [](std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return std::string(buf);
  };
  for (const auto& j : {lines.front(), lines.back()}) {
    const std::string ts = j["timestamp"].get<std::string>().substr(0, 19);
    EXPECT_GE(ts, iso(start - std::chrono::seconds(1)));
    EXPECT_LE(ts, iso(end + std::chrono::seconds(1)));
  }
}

// The queue between callers and the backend: order and content across many laps of a small
// ring, events larger than a ring's record limit, many producers, drop mode, order across
// threads, rings of exited threads, a thread that logs to two queues, events logged during a
// thread's exit, counter timestamps that read as wall time, rings that grow by doubling and a
// preallocated ring.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "queue/async_queue.hpp"
#include "log_test_utils.hpp"
#include "queue/tsc_clock.hpp"

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
      ld::QueueOptions{.capacity_events = capacity, .block_when_full = block},
      [&seen](const ld::EventRecord& r) {
        seen.loggers.emplace_back(r.logger);
        seen.payloads.emplace_back(r.payload);
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
  EXPECT_EQ(queue->ring_bytes(), 2048u) << "the smallest ring";
  constexpr int events = 5000;
  for (int i = 0; i < events; ++i) {
    queue->push(std::chrono::system_clock::now(), ll::Level::info, i % 2 ? "odd" : "even", payload_of(0, i));
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
        queue->push(std::chrono::system_clock::now(), ll::Level::info, "p", payload_of(t, i));
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
      ld::QueueOptions{.capacity_events = 4, .block_when_full = false},
      [&](const ld::EventRecord& r) {
        while (hold.load()) std::this_thread::yield();  // a stuck sink: the ring fills up
        seen.payloads.emplace_back(r.payload);
      },
      [] {});
  for (int i = 0; i < 1000; ++i) queue->push(std::chrono::system_clock::now(), ll::Level::info, "d", "x");
  EXPECT_GE(queue->dropped(), 900u) << "a 2 KiB ring holds about 50 such events";
  std::thread release([&] { hold.store(false); });
  // The same thread's ring is full: the barrier waits for room instead of being dropped.
  queue->push(std::chrono::system_clock::now(), ll::Level::critical, "d", "barrier", true);
  release.join();
  const std::uint64_t dropped = queue->dropped();
  queue.reset();
  EXPECT_EQ(seen.payloads.size() + dropped, 1001u);
  EXPECT_EQ(seen.payloads.back(), "barrier");
}

TEST(LogQueue, AnEventLoggedAfterAnotherOnAnyThreadIsWrittenAfterIt) {
  Seen seen;
  auto queue = make_queue(seen, 16, true);
  constexpr int rounds = 4000;
  std::atomic<int> turn{0};  // even: the first thread's turn, odd: the second's
  const auto player = [&](int parity) {
    for (int i = parity; i < rounds; i += 2) {
      while (turn.load(std::memory_order_acquire) != i) {
      }
      queue->push(queue->now(), ll::Level::info, "p", std::to_string(i));
      // A microsecond before the other thread's turn: far beyond how early a caller's
      // (non-serialising) counter read can be, far below any pass of the backend.
      const auto logged = std::chrono::steady_clock::now();
      while (std::chrono::steady_clock::now() - logged < std::chrono::microseconds(1)) {
      }
      turn.store(i + 1, std::memory_order_release);
    }
  };
  std::thread a(player, 0), b(player, 1);
  a.join();
  b.join();
  queue.reset();
  ASSERT_EQ(seen.payloads.size(), static_cast<std::size_t>(rounds));
  for (int i = 0; i < rounds; ++i) ASSERT_EQ(seen.payloads[static_cast<std::size_t>(i)], std::to_string(i));
}

TEST(LogQueue, ThreadsAreMergedByTimestampNotByWhenTheyPublished) {
  Seen seen;
  auto queue = make_queue(seen, 16, true);
  // The order clock's ticks in a minute, from 2 ms of them.
  const std::uint64_t start = queue->now().order;
  const auto began = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - began < std::chrono::milliseconds(2)) {
  }
  const std::uint64_t ticks_a_minute = (queue->now().order - start) * 30000;
  // Published first, but stamped a minute ahead: the backend holds it until the clock gets there
  // (or until the queue stops and takes everything, merged by timestamp), so the other thread's
  // event, stamped now and published after it, is written first however slowly this thread runs.
  ld::AsyncQueue::Stamp ahead = queue->now();
  ahead.order += ticks_a_minute;
  std::thread([&] { queue->push(ahead, ll::Level::info, "t", "stamped ahead"); }).join();
  // Ten of the backend's naps: a pass that took events regardless of the clock would take it now.
  const auto pushed = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - pushed < std::chrono::milliseconds(2)) {
  }
  std::thread([&] { queue->push(queue->now(), ll::Level::info, "t", "stamped now"); }).join();
  queue.reset();
  ASSERT_EQ(seen.payloads.size(), 2u);
  EXPECT_EQ(seen.payloads[0], "stamped now");
  EXPECT_EQ(seen.payloads[1], "stamped ahead");
}

TEST(LogQueue, RingsOfExitedThreadsAreFreedOnceRead) {
  Seen seen;
  auto queue = make_queue(seen, 16, true);
  for (int t = 0; t < 40; ++t) {
    std::thread([&, t] {
      for (int i = 0; i < 10; ++i) queue->push(queue->now(), ll::Level::info, "t", payload_of(t, i));
    }).join();
  }
  for (int spins = 0; queue->rings() != 0 && spins < 200000; ++spins) std::this_thread::yield();
  EXPECT_EQ(queue->rings(), 0u);
  queue.reset();
  EXPECT_EQ(seen.payloads.size(), 400u);
}

TEST(LogQueue, ARingAttachedWhileExitedOnesAreFreedIsStillRead) {
  Seen seen;
  auto queue = make_queue(seen, 16, true);  // 2 KiB rings: 100 events fill one several times
  for (int round = 0; round < 200; ++round) {
    std::thread exiting([&] { queue->push(queue->now(), ll::Level::info, "x", "short-lived"); });
    // Attaches while the backend frees the exited threads' rings, then needs the backend to
    // read its ring to go on.
    std::thread filling([&] {
      for (int i = 0; i < 100; ++i) queue->push(queue->now(), ll::Level::info, "f", payload_of(1, i % 50));
    });
    exiting.join();
    filling.join();
  }
  queue.reset();
  EXPECT_EQ(seen.payloads.size(), 200u * 101u);
}

TEST(LogQueue, AThreadMovingBetweenQueuesLosesNothing) {
  Seen first_seen, second_seen;
  auto first = make_queue(first_seen, 16, true);
  auto second = make_queue(second_seen, 16, true);
  for (int i = 0; i < 300; ++i) {
    auto& queue = i % 3 == 0 ? *second : *first;
    queue.push(queue.now(), ll::Level::info, "m", std::to_string(i));
  }
  first.reset();
  second.reset();
  ASSERT_EQ(first_seen.payloads.size(), 200u);
  ASSERT_EQ(second_seen.payloads.size(), 100u);
  for (std::size_t k = 0; k < 100; ++k) {
    EXPECT_EQ(second_seen.payloads[k], std::to_string(3 * k)) << "in order";
    EXPECT_EQ(first_seen.payloads[2 * k], std::to_string(3 * k + 1)) << "in order";
  }
}

TEST(LogQueue, EventsFromThreadLocalDestructorsArriveAfterTheThreadsRingIsGone) {
  Seen seen;
  auto queue = make_queue(seen, 16, true);
  struct LogsOnExit {
    ld::AsyncQueue* queue = nullptr;
    ~LogsOnExit() {
      if (queue != nullptr) queue->push(queue->now(), ll::Level::info, "exit", "last words");
    }
  };
  std::thread([&] {
    // Built before the thread's first event, so destroyed after the thread's ring is let go.
    thread_local LogsOnExit on_exit;
    on_exit.queue = queue.get();
    queue->push(queue->now(), ll::Level::info, "exit", "first");
  }).join();
  queue.reset();
  ASSERT_EQ(seen.payloads.size(), 2u);
  EXPECT_EQ(seen.payloads[0], "first");
  EXPECT_EQ(seen.payloads[1], "last words");
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

namespace {

/// Pages of [data, data + bytes) that are resident.
std::size_t resident_pages(const char* data, std::size_t bytes) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const std::uintptr_t first = reinterpret_cast<std::uintptr_t>(data) & ~(page - 1);
  const std::uintptr_t last = reinterpret_cast<std::uintptr_t>(data) + bytes;
  std::vector<unsigned char> in_core((last - first + page - 1) / page);
  if (::mincore(reinterpret_cast<void*>(first), last - first, in_core.data()) != 0) return 0;
  return static_cast<std::size_t>(std::count_if(in_core.begin(), in_core.end(), [](unsigned char c) { return (c & 1) != 0; }));
}

std::size_t pages_spanned(const char* data, std::size_t bytes) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const std::uintptr_t first = reinterpret_cast<std::uintptr_t>(data) & ~(page - 1);
  return (reinterpret_cast<std::uintptr_t>(data) + bytes - first + page - 1) / page;
}

}  // namespace

TEST(LogQueue, AThreadThatLogsALittleKeepsASmallRing) {
  Seen seen;
  auto queue = make_queue(seen, 8192, true);  // grows to 1 MiB
  EXPECT_EQ(queue->ring_bytes(), 1u << 20);
  EXPECT_EQ(queue->first_ring_bytes(), 8192u);
  std::size_t ring_after_a_few = 0;
  std::thread([&] {
    for (int i = 0; i < 10; ++i) queue->push(queue->now(), ll::Level::info, "t", payload_of(0, i % 5));
    ring_after_a_few = ld::t_ring->capacity();
  }).join();
  EXPECT_EQ(ring_after_a_few, 8192u);
  queue.reset();
  EXPECT_EQ(seen.payloads.size(), 10u);
}

TEST(LogQueue, AFullRingGrowsByDoublingKeepingOrderAndBytes) {
  Seen seen;
  std::atomic<bool> hold{true};
  auto queue = std::make_unique<ld::AsyncQueue>(
      ld::QueueOptions{.capacity_events = 1024, .block_when_full = false},  // 128 KiB at most
      [&](const ld::EventRecord& r) {
        while (hold.load()) std::this_thread::yield();  // nothing is read: every ring fills up
        seen.payloads.emplace_back(r.payload);
      },
      [] {});
  // Events of one size, so that once the largest ring is full every later one is dropped.
  const auto payload = [](int i) { return std::to_string(10000 + i) + std::string(300, 'g'); };
  std::vector<std::size_t> sizes;
  constexpr int events = 1000;  // about 350 KB: fills every ring up to the largest, then drops
  for (int i = 0; i < events; ++i) {
    queue->push(queue->now(), ll::Level::info, "g", payload(i));
    if (sizes.empty() || sizes.back() != ld::t_ring->capacity()) sizes.push_back(ld::t_ring->capacity());
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{8192, 16384, 32768, 65536, 131072}));
  EXPECT_GT(queue->dropped(), 0u) << "the largest ring full, drop mode drops";
  EXPECT_EQ(queue->rings(), 5u) << "the old rings wait to be read";
  const std::uint64_t dropped = queue->dropped();
  hold.store(false);
  queue.reset();
  ASSERT_EQ(seen.payloads.size() + dropped, static_cast<std::size_t>(events));
  for (std::size_t i = 0; i < seen.payloads.size(); ++i) {
    ASSERT_EQ(seen.payloads[i], payload(static_cast<int>(i))) << "in order";
  }
}

TEST(LogQueue, ManyProducersGrowingTheirRingsLoseNothingAndKeepTheirOrder) {
  Seen seen;
  auto queue = make_queue(seen, 1024, true);  // rings grow from 8 KiB to 128 KiB while read
  constexpr int threads = 4, per_thread = 3000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) queue->push(queue->now(), ll::Level::info, "p", payload_of(t, i));
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

TEST(LogQueue, ALargeEventGrowsTheRingRatherThanSpilling) {
  Seen seen;
  auto queue = make_queue(seen, 8192, true);
  std::size_t ring = 0;
  const std::string large(20000, 'L');  // above the first ring's quarter, below the largest's
  std::thread([&] {
    queue->push(queue->now(), ll::Level::info, "t", "small");
    queue->push(queue->now(), ll::Level::info, "t", large);
    queue->push(queue->now(), ll::Level::info, "t", "after");
    ring = ld::t_ring->capacity();
  }).join();
  EXPECT_EQ(ring, 131072u) << "the first ring whose quarter holds it";
  queue.reset();
  EXPECT_EQ(seen.payloads, (std::vector<std::string>{"small", large, "after"}));
}

TEST(LogQueue, PreallocateGivesTheThreadAFullRingWithItsPagesTouched) {
  Seen seen;
  auto queue = make_queue(seen, 8192, true);
  std::thread([&] {
    queue->preallocate();
    ASSERT_NE(ld::t_ring, nullptr);
    EXPECT_EQ(ld::t_ring->capacity(), queue->ring_bytes());
    EXPECT_EQ(queue->rings(), 1u);
    const std::size_t pages = pages_spanned(ld::t_ring->storage(), ld::t_ring->storage_bytes());
    EXPECT_EQ(resident_pages(ld::t_ring->storage(), ld::t_ring->storage_bytes()), pages);
    const ld::ThreadRing* ready = ld::t_ring;
    for (int i = 0; i < 100; ++i) queue->push(queue->now(), ll::Level::info, "p", payload_of(0, i));
    EXPECT_EQ(ld::t_ring, ready) << "no growth after preallocate";
    queue->preallocate();  // already full size: kept
    EXPECT_EQ(ld::t_ring, ready);
  }).join();
  std::thread([&] {
    queue->push(queue->now(), ll::Level::info, "p", "first");  // a small ring first
    queue->preallocate();  // then the full one, after it
    EXPECT_EQ(ld::t_ring->capacity(), queue->ring_bytes());
    queue->push(queue->now(), ll::Level::info, "p", "second");
  }).join();
  queue.reset();
  ASSERT_EQ(seen.payloads.size(), 102u);
  EXPECT_EQ(seen.payloads[100], "first");
  EXPECT_EQ(seen.payloads[101], "second");
}

TEST(LogQueue, PublicPreallocateGivesTheThreadItsQueueAtTheConfiguredSize) {
  lt::TempDir dir;
  auto cfg = lt::test_config(dir);
  cfg.queue_size = 1024;  // LEADSCOUT_LOG_QUEUE=1024: 128 KiB
  ll::init(cfg);
  std::size_t after = 0, after_event = 0;
  bool had_ring = true;
  std::thread([&] {
    had_ring = ld::t_ring != nullptr;
    ll::preallocate();
    after = ld::t_ring != nullptr ? ld::t_ring->capacity() : 0;
    ll::get("production").info("Item processed", {{"item_id", 1}});
    after_event = ld::t_ring->capacity();
  }).join();
  ll::shutdown();
  EXPECT_FALSE(had_ring) << "a new thread has no queue";
  EXPECT_EQ(after, 1024u * 128u);
  EXPECT_EQ(after_event, 1024u * 128u);
  EXPECT_EQ(lt::read_dated(dir, "production", "operations").size(), 1u);
  ll::preallocate();  // before init(): nothing to do
  cfg.async = false;
  ll::init(cfg);
  ll::preallocate();  // sync mode: nothing to do
  ll::shutdown();
}

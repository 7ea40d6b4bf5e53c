// The run-phase contract of Options::on_phase (order, once each, one call at a time, no lock
// held, exceptions logged) and the progress file's current_item.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "journal/journal.hpp"
#include "engine/phases.hpp"

#include "batch_test_utils.hpp"

using namespace leadscout::test::batch;
using namespace std::chrono_literals;
namespace lbd = leadscout::batch::detail;
using Proc = lb::BackgroundProcessor<Item, Out>;
using Phase = lb::RunPhase;

namespace {

/// Records every on_phase call and notes overlapping calls and empty directories.
class PhaseLog {
 public:
  /// Installs the recorder; `also` runs inside the callback (and may throw).
  void install(lb::Options& opt, std::function<void(Phase)> also = {}) {
    opt.on_phase = [this, also = std::move(also)](Phase p, const fs::path& dir) {
      struct Inside {
        std::atomic<int>& n;
        ~Inside() { --n; }
      } inside{inside_};
      if (++inside_ != 1) overlapped_ = true;
      if (dir.empty()) empty_dir_ = true;
      {
        std::lock_guard lock(m_);
        phases_.push_back(p);
      }
      cv_.notify_all();
      if (also) also(p);
    };
  }
  [[nodiscard]] std::vector<Phase> phases() {
    std::lock_guard lock(m_);
    return phases_;
  }
  /// Waits at most `limit` for `p`; true when it was told.
  bool wait_for(Phase p, std::chrono::milliseconds limit = 30s) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, limit, [&] { return std::find(phases_.begin(), phases_.end(), p) != phases_.end(); });
  }
  [[nodiscard]] bool overlapped() const { return overlapped_.load(); }
  [[nodiscard]] bool empty_dir() const { return empty_dir_.load(); }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<Phase> phases_;
  std::atomic<int> inside_{0};
  std::atomic<bool> overlapped_{false};
  std::atomic<bool> empty_dir_{false};
};

/// The phases told, and that every call had a directory and none overlapped another.
void expect_told(PhaseLog& log, const std::vector<Phase>& expected) {
  EXPECT_EQ(log.phases(), expected);
  EXPECT_FALSE(log.overlapped()) << "calls overlapped";
  EXPECT_FALSE(log.empty_dir()) << "a call without the progress directory";
}

/// Strictly increasing, from starting to finished.
void expect_in_order(const std::vector<Phase>& phases) {
  ASSERT_GE(phases.size(), 2U);
  EXPECT_EQ(phases.front(), Phase::starting);
  EXPECT_EQ(phases.back(), Phase::finished);
  for (std::size_t i = 1; i < phases.size(); ++i) {
    EXPECT_LT(static_cast<int>(phases[i - 1]), static_cast<int>(phases[i])) << "phase " << i;
  }
}

/// A result whose loading from the journal calls a hook: a point inside the replay.
struct Replayed {
  int v = 0;
};
std::function<void()> g_on_load;
void to_json(nlohmann::json& j, const Replayed& r) { j = nlohmann::json{{"v", r.v}}; }
void from_json(const nlohmann::json& j, Replayed& r) {
  j.at("v").get_to(r.v);
  if (g_on_load) g_on_load();
}

/// Writes a journal of `done` ok records for the first items of `items`, as a run would.
void write_journal(const fs::path& progress_dir, const std::vector<Item>& items, std::size_t done) {
  lbd::Fingerprint fp;
  for (const auto& item : items) fp.add(item.id);
  const lbd::JournalHeader header{"test_op", fp.hex(), items.size(), "2026-01-01T00:00:00.000Z", std::nullopt};
  lbd::Journal journal;
  (void)journal.open(lb::progress_files(progress_dir, "test_op", std::nullopt).journal, header, true,
                     [](const lbd::JournalRecord&) {});
  std::string chunk;
  for (std::size_t i = 0; i < done; ++i) {
    lbd::format_record(chunk, items[i].id, true, 1, 1.0, "{\"v\":" + std::to_string(i) + "}", {}, {});
    if (chunk.size() > (1U << 20) || i + 1 == done) {
      ASSERT_EQ(journal.append(chunk), 0);
      chunk.clear();
    }
  }
  journal.close();
}

}  // namespace

TEST(BatchPhases, CompletedRunIsStartingRunningFinished) {
  TempDir dir;
  auto opt = test_options(dir.path(), std::make_shared<lb::ManualClock>());
  opt.concurrency = 3;
  PhaseLog log;
  log.install(opt);
  Proc proc(opt);
  auto items = make_items(50);
  auto s = proc.run(items, [](const Item& item, lb::Context&) { return Out{item.value * 2, ""}; });
  EXPECT_EQ(s.status, lb::Status::completed);
  expect_told(log, {Phase::starting, Phase::running, Phase::finished});
}

TEST(BatchPhases, StoppedRunTellsStoppingOnceBetweenRunningAndFinished) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.concurrency = 4;
  PhaseLog log;
  log.install(opt);
  Proc proc(opt);
  auto items = make_items(200);
  auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    if (item.value == 20) {
      std::thread([&] { proc.stop(); }).join();
      std::thread([&] { proc.stop(); }).join();  // the second stop cancels; still one phase
    }
    return Out{item.value, ""};
  });
  EXPECT_EQ(s.status, lb::Status::interrupted);
  expect_told(log, {Phase::starting, Phase::running, Phase::stopping, Phase::finished});
}

// Were the callback called under the engine's lock, stop() from inside it would deadlock.
TEST(BatchPhases, CallbackMayStopTheProcessor) {
  TempDir dir;
  auto opt = test_options(dir.path());
  Proc* self = nullptr;
  PhaseLog log;
  log.install(opt, [&](Phase p) {
    if (p == Phase::running || p == Phase::stopping) self->stop();
  });
  Proc proc(opt);
  self = &proc;
  auto items = make_items(20);
  std::atomic<int> ran{0};
  auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    ++ran;
    return Out{item.value, ""};
  });
  EXPECT_EQ(s.status, lb::Status::interrupted);
  expect_told(log, {Phase::starting, Phase::running, Phase::stopping, Phase::finished});
  EXPECT_LT(ran.load(), 20);
}

class BatchPhasesThrowing : public ::testing::TestWithParam<Phase> {};

TEST_P(BatchPhasesThrowing, RunGoesOnAndTheErrorNamesThePhase) {
  TempDir dir;
  const auto log_file = init_logging(dir.path());
  auto opt = test_options(dir.path());
  const Phase thrower = GetParam();
  PhaseLog log;
  log.install(opt, [&](Phase p) {
    if (p == thrower) throw std::runtime_error("hook broke");
  });
  Proc proc(opt);
  auto items = make_items(30);
  std::atomic<int> ran{0};
  auto s = proc.run(items, [&](const Item& item, lb::Context&) {
    ++ran;
    if (item.value == 10) std::thread([&] { proc.stop(); }).join();
    return Out{item.value, ""};
  });
  EXPECT_EQ(s.status, lb::Status::interrupted);
  EXPECT_EQ(s.succeeded, 11U) << "items 0 to 10 ran whatever the hook did";
  expect_told(log, {Phase::starting, Phase::running, Phase::stopping, Phase::finished});
  const auto errors = events(log_file, "Phase callback failed");
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0]["level"], "error");
  EXPECT_EQ(errors[0]["phase"], lbd::phase_name(thrower));
  EXPECT_EQ(errors[0]["error"], "hook broke");
  EXPECT_EQ(lb::read_progress(s.progress_file).status, lb::Status::interrupted);
}

INSTANTIATE_TEST_SUITE_P(BatchPhases, BatchPhasesThrowing,
                         ::testing::Values(Phase::starting, Phase::running, Phase::stopping, Phase::finished),
                         [](const auto& test) { return std::string(lbd::phase_name(test.param)); });

// stop() while the journal is replayed: starting came first, no item runs, running is
// skipped, and stopping and finished follow in order.
TEST(BatchPhases, StopDuringTheReplayOfALongJournal) {
  TempDir dir;
  auto opt = test_options(dir.path());
  const auto items = make_items(200010);
  write_journal(opt.progress_dir, items, 200000);
  PhaseLog log;
  log.install(opt);
  lb::BackgroundProcessor<Item, Replayed> proc(opt);
  std::size_t loads = 0;
  std::vector<Phase> at_first_load;
  g_on_load = [&] {
    if (++loads == 1) at_first_load = log.phases();
    if (loads == 100000) std::thread([&] { proc.stop(); }).join();
  };
  std::atomic<int> ran{0};
  auto s = proc.run(items, [&](const Item& item, lb::Context&) -> lb::Outcome<Replayed> {
    ++ran;
    return Replayed{item.value};
  });
  g_on_load = nullptr;
  EXPECT_EQ(loads, 200000U);
  EXPECT_EQ(at_first_load, std::vector<Phase>{Phase::starting}) << "starting is told before the replay";
  EXPECT_EQ(s.status, lb::Status::interrupted);
  EXPECT_EQ(s.skipped_resumed, 200000U);
  EXPECT_EQ(s.remaining, 10U);
  EXPECT_EQ(ran.load(), 0);
  expect_told(log, {Phase::starting, Phase::stopping, Phase::finished});
}

// SIGTERM while the journal is replayed: the handler is already installed, and the phases
// stay in order whenever the watcher thread gets to the stop.
TEST(BatchPhases, SignalDuringTheReplay) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.handle_signals = true;
  const auto items = make_items(20010);
  write_journal(opt.progress_dir, items, 20000);
  PhaseLog log;
  log.install(opt);
  lb::BackgroundProcessor<Item, Replayed> proc(opt);
  std::size_t loads = 0;
  g_on_load = [&] {
    if (++loads == 10000) std::raise(SIGTERM);
  };
  auto s = proc.run(items, [&](const Item& item, lb::Context&) -> lb::Outcome<Replayed> {
    EXPECT_TRUE(log.wait_for(Phase::stopping)) << "the stop arrives";
    return Replayed{item.value};
  });
  g_on_load = nullptr;
  EXPECT_EQ(s.status, lb::Status::interrupted);
  EXPECT_EQ(s.signal, SIGTERM);
  const auto phases = log.phases();
  expect_in_order(phases);
  EXPECT_NE(std::find(phases.begin(), phases.end(), Phase::stopping), phases.end());
  EXPECT_FALSE(log.overlapped());
}

// current_item names the attempt in flight: its set_current() text or its id, never the text
// of an item that has finished, and nothing once the run has ended.
TEST(BatchProgressCurrentItem, NamesOnlyTheItemInFlight) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.progress_interval = 1ms;
  Proc proc(opt);
  const auto file = lb::progress_files(opt.progress_dir, opt.operation, std::nullopt).progress;
  // Waits for a progress file written after `processed` items finished, and returns its
  // current_item; nullopt if none came.
  auto current_after = [&](std::uint64_t processed) -> std::optional<std::string> {
    for (int i = 0; i < 10000; ++i) {
      try {
        const auto p = lb::read_progress(file);
        if (p.status == lb::Status::running && p.processed >= processed) return p.current_item;
      } catch (const lb::Error&) {
      }
      std::this_thread::sleep_for(1ms);
    }
    return std::nullopt;
  };
  std::optional<std::string> during_1, during_2;
  auto items = make_items(3);
  auto s = proc.run(items, [&](const Item& item, lb::Context& ctx) {
    if (item.value == 0) ctx.set_current("first");
    if (item.value == 1) during_1 = current_after(1);
    if (item.value == 2) {
      ctx.set_current("third");
      during_2 = current_after(2);
    }
    return Out{item.value, ""};
  });
  EXPECT_EQ(s.status, lb::Status::completed);
  EXPECT_EQ(during_1, std::optional<std::string>("item-1")) << "not the finished item's text";
  EXPECT_EQ(during_2, std::optional<std::string>("third"));
  EXPECT_EQ(lb::read_progress(file).current_item, "") << "nothing is in flight after the run";
}

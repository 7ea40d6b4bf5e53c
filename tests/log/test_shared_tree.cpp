// Several processes logging into one tree, as shards on one machine or a server's workers do:
// across midnight and through a killed compressor, every event is kept exactly once.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>

#include "log_test_utils.hpp"

namespace lt = leadscout::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

/// The lines of every .log and .log.gz file of `dir` whose name starts with `prefix`.
std::vector<std::string> lines_of_route(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string ext = e.path().extension().string();
    if (ext != ".log" && ext != ".gz") continue;
    for (auto& line : lt::split_lines(ext == ".gz" ? lt::read_gzip(e.path()) : lt::read_file(e.path()))) {
      out.push_back(std::move(line));
    }
  }
  return out;
}

/// Leftovers of an unfinished compression anywhere below dir.
std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp") != std::string::npos || name.find(".compressing") != std::string::npos) out.push_back(name);
  }
  return out;
}

bool gzip_test_passes(const fs::path& file) { return std::system(("gzip -t '" + file.string() + "'").c_str()) == 0; }

std::string env_assignment(const char* name, const std::string& value) { return std::string(name) + "=" + value; }

/// Runs the logging child with the log tree in `logs`, through `env` so the variables apply.
std::vector<std::string> child_argv(const fs::path& logs, std::vector<std::string> tail) {
  // Under ASan the preloaded libfaketime comes before the sanitizer runtime; allow that.
  const char* asan = std::getenv("ASAN_OPTIONS");
  std::vector<std::string> argv = {"/usr/bin/env", env_assignment("LEADSCOUT_LOG_DIR", logs.string()),
                                   "LEADSCOUT_LOG_CONSOLE=off", "TZ=UTC",
                                   env_assignment("ASAN_OPTIONS", std::string(asan ? asan : "") + ":verify_asan_link_order=0")};
  argv.insert(argv.end(), tail.begin(), tail.end());
  return argv;
}

}  // namespace

TEST(LogSharedTree, ThreeWritersAcrossMidnightKeepEveryEventOnce) {
  if (!fs::exists("/usr/bin/faketime")) GTEST_SKIP() << "faketime is not installed (scripts/test.sh installs it)";
  lt::TempDir dir;
  const fs::path logs = dir.path() / "logs";
  constexpr int events = 4000;  // one a millisecond from 23:59:58: half on each side of midnight
  std::vector<std::unique_ptr<lt::ChildProcess>> writers;
  for (const char* tag : {"w0", "w1", "w2"}) {
    writers.push_back(std::make_unique<lt::ChildProcess>(
        child_argv(logs, {"faketime", "-f", "@2026-11-29 23:59:58", LOG_CHILD, std::to_string(events), "paced", tag}),
        dir.path()));
  }
  for (auto& w : writers) {
    ASSERT_EQ(w->wait(120s), 0) << w->err();
    EXPECT_EQ(w->err(), "") << "no error line, e.g. a failed maintenance";
  }

  for (const char* route : {"debug/classification-", "production/operations-"}) {
    const fs::path route_dir = logs / fs::path(route).parent_path();
    std::map<std::pair<std::string, int>, int> seen;
    for (const auto& line : lines_of_route(route_dir, fs::path(route).filename().string())) {
      const auto j = nlohmann::json::parse(line);
      ++seen[{j.at("writer").get<std::string>(), j.at("seq").get<int>()}];
    }
    for (const char* tag : {"w0", "w1", "w2"}) {
      int missing = 0, repeated = 0;
      for (int i = 0; i < events; ++i) {
        const int n = seen[{tag, i}];
        missing += n == 0;
        repeated += n > 1;
      }
      EXPECT_EQ(missing, 0) << route << " lost events of " << tag;
      EXPECT_EQ(repeated, 0) << route << " repeated events of " << tag;
    }
    const std::string name = fs::path(route).filename().string();
    EXPECT_FALSE(fs::exists(route_dir / (name + "2026-11-29.log"))) << "the last writer to close it compresses it";
    ASSERT_TRUE(fs::exists(route_dir / (name + "2026-11-29.log.gz")));
    EXPECT_TRUE(gzip_test_passes(route_dir / (name + "2026-11-29.log.gz")));
    EXPECT_TRUE(fs::exists(route_dir / (name + "2026-11-30.log")));
  }
  EXPECT_EQ(leftovers(logs), std::vector<std::string>{});
}

TEST(LogSharedTree, CompressorKilledMidWriteLosesNothing) {
  lt::TempDir dir;
  const fs::path logs = dir.path() / "logs";
  fs::create_directories(logs / "debug");
  const std::string yesterday = [] {
    const std::time_t t = std::time(nullptr) - 86400;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return std::string(buf);
  }();
  const fs::path file = logs / "debug" / ("classification-" + yesterday + ".log");
  std::string content;
  for (int i = 0; i < 800'000; ++i) {
    content += R"({"timestamp":")" + yesterday + R"(T12:00:00.000000Z","level":"info","logger":"classification",)" +
               R"("event":"tick","seq":)" + std::to_string(i) + "}\n";
  }
  std::ofstream(file, std::ios::binary) << content;
  const fs::path tmp = file.string() + ".gz.tmp";

  {  // start-up maintenance compresses yesterday's file; kill it once the archive is being written
    lt::ChildProcess compressor(child_argv(logs, {LOG_CHILD, "0", "return"}), dir.path());
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    std::error_code ec;
    while (!(fs::exists(tmp, ec) && fs::file_size(tmp, ec) > 0) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100us);
    }
    ASSERT_TRUE(fs::exists(tmp)) << "the compressor finished before it could be killed";
    compressor.signal(SIGKILL);
    ASSERT_EQ(compressor.wait(), 128 + SIGKILL);
  }
  const fs::path source = fs::exists(file) ? file : fs::path(file.string() + ".compressing");
  EXPECT_EQ(lt::read_file(source), content) << "the source is intact under one of its two names";
  EXPECT_FALSE(fs::exists(file.string() + ".gz")) << "no partial archive under the final name";

  lt::ChildProcess next_start(child_argv(logs, {LOG_CHILD, "0", "return"}), dir.path());
  ASSERT_EQ(next_start.wait(), 0) << next_start.err();
  EXPECT_EQ(next_start.err(), "");
  EXPECT_FALSE(fs::exists(file));
  ASSERT_TRUE(fs::exists(file.string() + ".gz"));
  EXPECT_TRUE(gzip_test_passes(file.string() + ".gz"));
  EXPECT_TRUE(lt::read_gzip(file.string() + ".gz") == content) << "every line once, in order";
  EXPECT_EQ(leftovers(logs), std::vector<std::string>{});
}

// Compression and retention of a log tree that several processes share: busy files are left
// alone, interrupted compressions are finished, and nothing is lost or duplicated.
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>
#include <zlib.h>

#include <thread>

#include "back/file_sink.hpp"
#include "back/maintenance.hpp"
#include "utils.hpp"

namespace lt = leadscout::test;
namespace ld = leadscout::log::detail;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

void write_text(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

void write_gzip(const fs::path& p, const std::string& text) {
  gzFile gz = gzopen(p.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
}

/// Names of the files in dir, hidden ones (the maintenance lock) left out.
std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name[0] != '.') out.insert(name);
  }
  return out;
}

class LogMaintenance : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir()); }
  fs::path dir() const { return tmp_.path() / "debug"; }
  ld::FilePattern pattern(std::string_view instance = {}) const {
    return ld::FilePattern(dir() / "classification-{date}.log", instance);
  }
  void maintain(int retention_days = 0) const { ld::maintain({pattern()}, "2025-07-05", retention_days); }

  lt::TempDir tmp_;
};

}  // namespace

TEST(LogFilePattern, InstanceNamesAndTheDatesOfEveryInstance) {
  const ld::FilePattern plain("logs/production/operations-{date}.log");
  const ld::FilePattern shard("logs/production/operations-{date}.log", "shard-2-of-4");
  const ld::FilePattern undated("logs/progress/current-operation.log", "web-1");
  EXPECT_EQ(plain.path_for("2026-11-29"), "logs/production/operations-2026-11-29.log");
  EXPECT_EQ(shard.path_for("2026-11-29"), "logs/production/operations-2026-11-29.shard-2-of-4.log");
  EXPECT_EQ(undated.path_for("2026-11-29"), "logs/progress/current-operation.web-1.log");

  bool gz = false;
  EXPECT_EQ(plain.date_of("operations-2026-11-29.log"), "2026-11-29");
  EXPECT_EQ(plain.date_of("operations-2026-11-29.shard-2-of-4.log.gz", &gz), "2026-11-29");
  EXPECT_TRUE(gz);
  EXPECT_EQ(shard.date_of("operations-2026-11-29.other_name.log"), "2026-11-29") << "every instance's files";
  for (const char* foreign : {"operations-2026-11-29.log.compressing", "operations-2026-11-29.log.gz.tmp",
                              "operations-2026-11-29.a.b.log", "operations-2026-11-29..log", "errors-2026-11-29.log",
                              "operations-2026-1x-29.log", "operations-2026-11-29.log.txt"}) {
    EXPECT_EQ(plain.date_of(foreign), "") << foreign;
  }
}

TEST_F(LogMaintenance, FileAWriterHoldsIsLeftUntilItIsClosed) {
  const fs::path file = dir() / "classification-2025-07-04.log";
  const int writer = ld::open_locked_for_append(file);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(::write(writer, "a\n", 2), 2);
  maintain();
  EXPECT_EQ(names_in(dir()), std::set<std::string>{"classification-2025-07-04.log"}) << "busy: skipped quietly";

  ASSERT_EQ(::write(writer, "b\n", 2), 2);
  ::close(writer);
  maintain();
  EXPECT_EQ(names_in(dir()), std::set<std::string>{"classification-2025-07-04.log.gz"});
  EXPECT_EQ(lt::read_gzip(dir() / "classification-2025-07-04.log.gz"), "a\nb\n");
}

TEST_F(LogMaintenance, WriterThatWaitedForACompressorOpensTheNewFile) {
  const fs::path file = dir() / "classification-2025-07-04.log";
  write_text(file, "old\n");
  const int compressor = ::open(file.c_str(), O_RDWR);
  ASSERT_EQ(::flock(compressor, LOCK_EX), 0);
  std::thread late_writer([&] {
    const int fd = ld::open_locked_for_append(file);  // waits for the exclusive lock
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "late\n", 5), 5);
    ::close(fd);
  });
  std::this_thread::sleep_for(50ms);  // lets the writer block on the lock (it also works if it has not)
  fs::rename(file, dir() / "moved.log");
  ::close(compressor);
  late_writer.join();
  EXPECT_EQ(lt::read_file(file), "late\n") << "the late line went to the new file, not the moved one";
  EXPECT_EQ(lt::read_file(dir() / "moved.log"), "old\n");
}

TEST_F(LogMaintenance, EveryInstanceOfAPastDayIsCompressedTodayIsNot) {
  write_text(dir() / "classification-2025-07-04.log", "plain\n");
  write_text(dir() / "classification-2025-07-04.shard-1-of-2.log", "shard\n");
  write_text(dir() / "classification-2025-07-05.log", "today\n");
  write_text(dir() / "other-2025-07-04.log", "not ours\n");
  maintain();
  EXPECT_EQ(names_in(dir()), (std::set<std::string>{"classification-2025-07-04.log.gz",
                                                     "classification-2025-07-04.shard-1-of-2.log.gz",
                                                     "classification-2025-07-05.log", "other-2025-07-04.log"}));
  EXPECT_EQ(lt::read_gzip(dir() / "classification-2025-07-04.shard-1-of-2.log.gz"), "shard\n");
}

TEST_F(LogMaintenance, SecondDayFileBecomesASecondMember) {
  write_gzip(dir() / "classification-2025-07-04.log.gz", "first\n");
  write_text(dir() / "classification-2025-07-04.log", "second\n");
  maintain();
  EXPECT_EQ(names_in(dir()), std::set<std::string>{"classification-2025-07-04.log.gz"});
  EXPECT_EQ(lt::read_gzip(dir() / "classification-2025-07-04.log.gz"), "first\nsecond\n");
}

TEST_F(LogMaintenance, KilledBeforeTheCommitIsCompressedAgain) {
  // Step 2 was cut short: a partial temporary archive beside the renamed source; a writer has
  // since started a new file of the same day.
  write_gzip(dir() / "classification-2025-07-04.log.gz", "archived\n");
  write_text(dir() / "classification-2025-07-04.log.compressing", "renamed\n");
  write_text(dir() / "classification-2025-07-04.log.gz.tmp", "\x1f\x8b partial");
  write_text(dir() / "classification-2025-07-04.log", "new\n");
  maintain();
  EXPECT_EQ(names_in(dir()), std::set<std::string>{"classification-2025-07-04.log.gz"});
  EXPECT_EQ(lt::read_gzip(dir() / "classification-2025-07-04.log.gz"), "archived\nrenamed\nnew\n");
  EXPECT_EQ(std::system(("gzip -t '" + (dir() / "classification-2025-07-04.log.gz").string() + "'").c_str()), 0);
}

TEST_F(LogMaintenance, KilledAfterTheCommitOnlyNeedsTheRename) {
  // The source was deleted, so the temporary archive is complete (old archive + member).
  write_gzip(dir() / "classification-2025-07-04.log.gz.tmp", "complete\n");
  write_text(dir() / "classification-2025-07-04.log", "new\n");
  maintain();
  EXPECT_EQ(names_in(dir()), std::set<std::string>{"classification-2025-07-04.log.gz"});
  EXPECT_EQ(lt::read_gzip(dir() / "classification-2025-07-04.log.gz"), "complete\nnew\n");
}

TEST_F(LogMaintenance, RetentionDeletesOnlyFilesNoOneWrites) {
  write_gzip(dir() / "classification-2025-06-01.log.gz", "old archive\n");
  write_text(dir() / "classification-2025-06-01.shard-0-of-2.log", "old idle\n");
  const int writer = ld::open_locked_for_append(dir() / "classification-2025-06-02.log");
  ASSERT_GE(writer, 0);
  write_text(dir() / "classification-2025-07-01.log", "kept\n");
  maintain(/*retention_days=*/7);
  EXPECT_EQ(names_in(dir()), (std::set<std::string>{"classification-2025-06-02.log", "classification-2025-07-01.log.gz"}));
  ::close(writer);
  maintain(7);
  EXPECT_EQ(names_in(dir()), std::set<std::string>{"classification-2025-07-01.log.gz"});
}

TEST_F(LogMaintenance, PassWaitsForAnotherProcessesPassOverTheDirectory) {
  write_text(dir() / "classification-2025-07-04.log", "x\n");
  const fs::path lock_path = dir() / ".leadscout-maintenance.lock";
  const int other = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0640);
  ASSERT_EQ(::flock(other, LOCK_EX), 0);
  std::thread pass([&] { maintain(); });
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(fs::exists(dir() / "classification-2025-07-04.log")) << "no pass while another one runs";
  ::close(other);
  pass.join();
  EXPECT_EQ(names_in(dir()), std::set<std::string>{"classification-2025-07-04.log.gz"});
}

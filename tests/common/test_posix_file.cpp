// The POSIX descriptor helpers: whole writes, reads, flock and the descriptor owner.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>

#include "posix_file.hpp"

namespace lc = leadscout::common;
namespace fs = std::filesystem;

namespace {

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("leadscout_common_" + std::to_string(::getpid()) + "_" + name);
}

std::string read_whole(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n = 0;
  while ((n = lc::read_some(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

}  // namespace

TEST(CommonPosixFile, WriteAllWritesMoreThanAPipeHoldsAtOnce) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  lc::UniqueFd read_end(pipe_fds[0]);
  lc::UniqueFd write_end(pipe_fds[1]);
  const std::string data(1 << 20, 'x');  // far beyond a pipe's 64 KiB: many short writes
  std::string got;
  std::thread reader([&] { got = read_whole(read_end.get()); });
  EXPECT_EQ(lc::write_all(write_end.get(), data), 0);
  write_end.reset();  // end of file for the reader
  reader.join();
  EXPECT_EQ(got, data);
}

TEST(CommonPosixFile, WriteAllReportsTheErrno) {
  EXPECT_EQ(lc::write_all(-1, "x"), EBADF);
  EXPECT_EQ(lc::write_all(-1, ""), 0) << "nothing to write, nothing to fail";
}

TEST(CommonPosixFile, PwriteAllWritesAtTheOffset) {
  const fs::path path = temp_file("pwrite");
  {
    lc::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    ASSERT_TRUE(fd.valid());
    ASSERT_EQ(lc::write_all(fd.get(), "hello world"), 0);
    ASSERT_EQ(lc::pwrite_all(fd.get(), "W", 6), 0);
    ASSERT_EQ(::lseek(fd.get(), 0, SEEK_SET), 0);
    EXPECT_EQ(read_whole(fd.get()), "hello World");
  }
  fs::remove(path);
}

TEST(CommonPosixFile, UniqueFdClosesAndMoves) {
  const fs::path path = temp_file("owner");
  int raw = -1;
  {
    lc::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    ASSERT_TRUE(fd.valid());
    raw = fd.get();
    lc::UniqueFd moved(std::move(fd));
    EXPECT_FALSE(fd.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
    EXPECT_EQ(moved.get(), raw);
    lc::UniqueFd assigned;
    assigned = std::move(moved);
    EXPECT_EQ(assigned.get(), raw);
    EXPECT_NE(::fcntl(raw, F_GETFD), -1);
  }
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1) << "closed by its owner";
  lc::UniqueFd released(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  const int kept = released.release();
  EXPECT_FALSE(released.valid());
  EXPECT_NE(::fcntl(kept, F_GETFD), -1) << "release() gives it up without closing";
  ::close(kept);
  fs::remove(path);
}

TEST(CommonPosixFile, LockFileExcludesAnotherDescriptor) {
  const fs::path path = temp_file("lock");
  lc::UniqueFd a(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  lc::UniqueFd b(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(a.valid() && b.valid());
  EXPECT_EQ(lc::lock_file(a.get(), LOCK_EX | LOCK_NB), 0);
  EXPECT_EQ(lc::lock_file(b.get(), LOCK_EX | LOCK_NB), EWOULDBLOCK);
  EXPECT_EQ(lc::lock_file(b.get(), LOCK_SH | LOCK_NB), EWOULDBLOCK);
  a.reset();  // closing releases the lock
  EXPECT_EQ(lc::lock_file(b.get(), LOCK_SH), 0);
  EXPECT_EQ(lc::lock_file(-1, LOCK_SH), EBADF);
  fs::remove(path);
}

TEST(CommonPosixFile, SyncDirectoryToleratesAMissingDirectory) {
  lc::sync_directory(fs::temp_directory_path());
  lc::sync_directory(temp_file("no-such-directory"));
  lc::sync_directory({});
  SUCCEED();
}

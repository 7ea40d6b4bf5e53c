#include "maintenance.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

namespace leadscout::log::detail {
namespace {

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

/// Copies in to out through zlib's gzip writer.
void write_gzip_member(int in_fd, int out_fd, const std::filesystem::path& out_path) {
  gzFile gz = gzdopen(out_fd, "wb6");
  if (gz == nullptr) throw_errno(ENOMEM, fmt::format("cannot start gzip stream {}", out_path.string()));
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(in_fd, buf, sizeof buf);
    if (n < 0) {
      const int err = errno;
      gzclose(gz);
      throw_errno(err, fmt::format("cannot read while compressing into {}", out_path.string()));
    }
    if (n == 0) break;
    if (gzwrite(gz, buf, static_cast<unsigned>(n)) != static_cast<int>(n)) {
      gzclose(gz);
      throw_errno(EIO, fmt::format("cannot write {}", out_path.string()));
    }
  }
  if (gzclose(gz) != Z_OK) throw_errno(EIO, fmt::format("cannot finish {}", out_path.string()));
}

}  // namespace

void gzip_file(const std::filesystem::path& file) {
  const std::filesystem::path gz_path = file.string() + ".gz";
  const std::filesystem::path tmp_path = file.string() + ".gz.tmp";
  const int in_fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) throw_errno(errno, fmt::format("cannot open {} for compression", file.string()));
  const int out_fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (out_fd < 0) {
    const int err = errno;
    ::close(in_fd);
    throw_errno(err, fmt::format("cannot create {}", tmp_path.string()));
  }
  try {
    // An archive of the same day already exists (the clock went back and forth, or an
    // earlier run): keep it and add a second gzip member after it.
    if (std::ifstream old(gz_path, std::ios::binary); old) {
      char buf[64 * 1024];
      while (old.read(buf, sizeof buf) || old.gcount() > 0) {
        if (::write(out_fd, buf, static_cast<std::size_t>(old.gcount())) != old.gcount()) {
          throw_errno(errno, fmt::format("cannot write {}", tmp_path.string()));
        }
      }
    }
    write_gzip_member(in_fd, out_fd, tmp_path);  // closes out_fd
  } catch (...) {
    ::close(in_fd);
    ::unlink(tmp_path.c_str());
    throw;
  }
  ::close(in_fd);
  if (::rename(tmp_path.c_str(), gz_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp_path.c_str());
    throw_errno(err, fmt::format("cannot rename {} to {}", tmp_path.string(), gz_path.string()));
  }
  ::unlink(file.c_str());
}

std::string date_minus_days(const std::string& date, int days) {
  using namespace std::chrono;
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(date.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return date;
  const year_month_day ymd{sys_days{year{y} / month{m} / day{d}} - std::chrono::days{days}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

void delete_expired(const FilePattern& pattern, const std::string& today, int days) {
  if (!pattern.dated() || days <= 0) return;
  const std::string oldest_kept = date_minus_days(today, days);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(pattern.directory(), ec)) {
    const std::string date = pattern.date_of(entry.path().filename().string());
    if (!date.empty() && date < oldest_kept) std::filesystem::remove(entry.path(), ec);
  }
}

void compress_stale(const FilePattern& pattern, const std::string& today) {
  if (!pattern.dated()) return;
  std::error_code ec;
  std::vector<std::filesystem::path> stale;
  for (const auto& entry : std::filesystem::directory_iterator(pattern.directory(), ec)) {
    bool compressed = false;
    const std::string date = pattern.date_of(entry.path().filename().string(), &compressed);
    if (!date.empty() && !compressed && date < today) stale.push_back(entry.path());
  }
  for (const auto& file : stale) gzip_file(file);
}

Maintenance::Maintenance(std::atomic<std::uint64_t>& error_counter)
    : errors_(error_counter), thread_([this] { run(); }) {}

Maintenance::~Maintenance() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Maintenance::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void Maintenance::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return jobs_.empty() && !busy_; });
}

void Maintenance::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and everything is done
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      std::fprintf(stderr, "leadscout: log maintenance failed: %s\n", e.what());
    }
    lock.lock();
    busy_ = false;
    if (jobs_.empty()) idle_.notify_all();
  }
}

}  // namespace leadscout::log::detail

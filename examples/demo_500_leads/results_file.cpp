// The results file.
#include "results_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace demo {

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int err) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(err));
}

}  // namespace

void write_results(const std::filesystem::path& path, const std::vector<ResultRow>& rows) {
  const bool jsonl = path.extension() == ".jsonl";
  std::string text;
  if (!jsonl) text = "id,name,label,confidence,method,provider\n";
  for (const ResultRow& r : rows) {
    if (jsonl) {
      text += nlohmann::json{{"id", r.id},
                             {"name", r.c.name},
                             {"label", r.c.label},
                             {"confidence", r.c.confidence},
                             {"method", r.c.method},
                             {"provider", r.c.provider}}
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      text += '\n';
    } else {
      text += csv_field(r.id) + ',' + csv_field(r.c.name) + ',' + csv_field(r.c.label) + ',' + fixed2(r.c.confidence) +
              ',' + csv_field(r.c.method) + ',' + csv_field(r.c.provider) + '\n';
    }
  }
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) throw std::runtime_error("cannot create " + path.parent_path().string() + ": " + ec.message());
  const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", tmp, errno);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("cannot write", tmp, err);
    }
    done += static_cast<std::size_t>(n);
  }
  const int sync_err = ::fsync(fd) != 0 ? errno : 0;
  const int close_err = ::close(fd) != 0 ? errno : 0;
  if (sync_err != 0 || close_err != 0) {
    const int err = sync_err != 0 ? sync_err : close_err;
    ::unlink(tmp.c_str());
    fail("cannot sync", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail("cannot rename to", path, err);
  }
}

}  // namespace demo

#include "tail.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <system_error>
#include <vector>

#include "exit_codes.hpp"
#include "pretty.hpp"

namespace leadscout::logs_tool {

namespace fs = std::filesystem;

namespace {

struct FollowedFile {
  InputFile info;
  int fd = -1;
  std::uint64_t offset = 0;
  std::uint64_t line_no = 0;
  std::string partial;
  bool skipping = false;  // inside an overlong line already reported
  bool sniffed = false;
  bool ignored = false;   // not a JSON lines file

  FollowedFile() = default;
  FollowedFile(const FollowedFile&) = delete;
  FollowedFile& operator=(const FollowedFile&) = delete;
  ~FollowedFile() {
    if (fd >= 0) ::close(fd);
  }
};

/// A plain log file of `date`, of any instance: "name-DATE.log" or "name-DATE.INSTANCE.log".
bool is_dated_name(const std::string& name, const std::string& date) {
  InputFile f;
  f.path = name;
  classify(f);
  return f.date == date && name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0;
}

// Reads what was appended since the last call and hands over each complete line.
template <typename F>
void read_new(FollowedFile& f, F&& on_line) {
  if (f.fd < 0 || f.ignored) return;
  struct stat st {};
  if (::fstat(f.fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) < f.offset) {
    f.offset = 0;  // truncated: start over
    f.line_no = 0;
    f.partial.clear();
    f.skipping = false;
  }
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::pread(f.fd, buf, sizeof buf, static_cast<off_t>(f.offset));
    if (n <= 0) return;
    f.offset += static_cast<std::uint64_t>(n);
    std::string_view chunk(buf, static_cast<std::size_t>(n));
    if (!f.sniffed) {
      const auto pos = chunk.find_first_not_of(" \t\r\n");
      if (pos != std::string_view::npos || !f.partial.empty()) {
        f.sniffed = true;
        if (pos != std::string_view::npos && f.partial.empty() && chunk[pos] != '{') {
          f.ignored = true;
          return;
        }
      }
    }
    while (!chunk.empty()) {
      const auto nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        if (!f.skipping) f.partial.append(chunk);
        if (f.partial.size() > LineReader::max_line) {
          ++f.line_no;
          on_line(std::string_view(f.partial), f.line_no, true);
          f.partial.clear();
          f.skipping = true;
        }
        break;
      }
      if (f.skipping) {
        f.skipping = false;
      } else if (f.partial.empty()) {
        ++f.line_no;
        on_line(chunk.substr(0, nl), f.line_no, false);
      } else {
        f.partial.append(chunk.substr(0, nl));
        ++f.line_no;
        on_line(std::string_view(f.partial), f.line_no, false);
        f.partial.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
  }
}

/// One `tail` run: the files followed and the pass from their lines to printed events.
class Follower {
 public:
  Follower(const TailOptions& opt, std::ostream& out, std::ostream& err)
      : opt_(opt), dir_(opt.dir), out_(out), corrupt_(err, opt.corrupt_shown),
        pipe_(opt.filter, opt.dedup, corrupt_) {}

  /// Starts following files of `date` not followed yet; returns how many were added.
  std::size_t discover(const std::string& date);
  /// The last `opt.lines` selected events of the files followed, in timestamp order.
  void print_last();
  /// What was appended to the files followed since the last call.
  void print_new();
  /// Forgets files of older days, and yesterday's once they are rotated away.
  void forget_stale(const std::string& current, const std::string& previous);
  /// Reports the corrupt lines' total.
  void finish() { corrupt_.finish(); }

 private:
  /// The files followed, oldest date first.
  std::vector<FollowedFile*> ordered();
  /// The printed line of `e`, with its newline, into line_out_.
  void render(const Event& e);

  const TailOptions& opt_;
  const fs::path dir_;
  std::ostream& out_;
  CorruptReporter corrupt_;
  EventPipeline pipe_;
  std::map<std::string, std::unique_ptr<FollowedFile>> files_;  // by path: date order per name
  std::string line_out_;
};

std::size_t Follower::discover(const std::string& date) {
  std::size_t added = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (!it->is_regular_file(fec)) continue;
    const std::string name = it->path().filename().string();
    if (!is_dated_name(name, date)) continue;
    const std::string key = it->path().string();
    if (files_.count(key) != 0) continue;
    auto f = std::make_unique<FollowedFile>();
    f->info.path = it->path();
    classify(f->info);
    if (!instance_selected(opt_.filter.instances, f->info)) continue;
    f->fd = ::open(key.c_str(), O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) continue;  // appears again at the next poll
    files_.emplace(key, std::move(f));
    ++added;
  }
  if (added > 0) {
    std::vector<InputFile> infos;
    for (const auto& [k, f] : files_) infos.push_back(f->info);
    mark_present(infos);
    std::size_t i = 0;
    for (auto& [k, f] : files_) f->info.present = infos[i++].present;
  }
  return added;
}

std::vector<FollowedFile*> Follower::ordered() {
  std::vector<FollowedFile*> v;
  for (auto& [k, f] : files_) v.push_back(f.get());
  std::stable_sort(v.begin(), v.end(), [](const FollowedFile* a, const FollowedFile* b) {
    return a->info.date < b->info.date;
  });
  return v;
}

void Follower::render(const Event& e) {
  line_out_.clear();
  if (opt_.pretty) {
    render_pretty(e, line_out_);
  } else {
    line_out_.assign(e.line);
    while (!line_out_.empty() && (line_out_.back() == '\r' || line_out_.back() == ' ')) line_out_.pop_back();
  }
  line_out_.push_back('\n');
}

void Follower::print_last() {
  struct Kept {
    std::int64_t time_us;
    std::uint64_t seq;
    std::string text;
  };
  const auto by_time = [](const Kept& a, const Kept& b) {
    return a.time_us != b.time_us ? a.time_us < b.time_us : a.seq < b.seq;
  };
  std::deque<Kept> last;
  std::uint64_t seq = 0;
  for (FollowedFile* f : ordered()) {
    read_new(*f, [&](std::string_view line, std::uint64_t no, bool overlong) {
      const Event* e = pipe_.process(f->info, line, no, overlong);
      if (e == nullptr || opt_.lines == 0) return;
      render(*e);
      last.push_back({e->time_us, seq++, line_out_});
      // keep at most `lines` per file pass plus what earlier files left
      if (last.size() > opt_.lines * 4 + 64) {
        std::stable_sort(last.begin(), last.end(), by_time);
        last.erase(last.begin(), last.end() - static_cast<std::ptrdiff_t>(opt_.lines));
      }
    });
  }
  std::stable_sort(last.begin(), last.end(), by_time);
  const std::size_t skip = last.size() > opt_.lines ? last.size() - opt_.lines : 0;
  for (std::size_t i = skip; i < last.size(); ++i) out_ << last[i].text;
  out_.flush();
}

void Follower::print_new() {
  for (FollowedFile* f : ordered()) {
    read_new(*f, [&](std::string_view line, std::uint64_t no, bool overlong) {
      if (const Event* e = pipe_.process(f->info, line, no, overlong)) {
        render(*e);
        out_ << line_out_;
      }
    });
  }
  out_.flush();
}

void Follower::forget_stale(const std::string& current, const std::string& previous) {
  for (auto it = files_.begin(); it != files_.end();) {
    const auto& info = it->second->info;
    std::error_code ec;
    const bool stale = info.date != current &&
                       (info.date != previous || !fs::exists(info.path, ec));
    it = stale ? files_.erase(it) : std::next(it);
  }
}

/// Throws PathError when `dir` is missing or cannot be read.
void check_directory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw PathError(dir + ": no such directory");
  fs::directory_iterator probe(dir, ec);
  if (ec) throw PathError(dir + ": cannot read directory: " + ec.message());
}

}  // namespace

int run_tail(const TailOptions& opt, const TailHooks& hooks, std::ostream& out,
             std::ostream& err) {
  check_directory(opt.dir);
  Follower follower(opt, out, err);
  std::string current = hooks.today();
  std::string previous;
  follower.discover(current);
  follower.print_last();
  if (!opt.follow) {
    follower.finish();
    return exit_ok;
  }
  while (!hooks.stop()) {
    hooks.sleep(opt.interval);
    if (hooks.stop()) break;
    const std::string today = hooks.today();
    if (today != current) {
      previous = current;
      current = today;
    }
    follower.discover(current);
    follower.print_new();
    follower.forget_stale(current, previous);
  }
  follower.finish();
  out.flush();
  return exit_ok;
}

}  // namespace leadscout::logs_tool

// Reading the progress directory, stall tracking and the Prometheus exposition.
#include "state.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include "leadscout/log/logger.hpp"
#include "leadscout/version.hpp"

namespace leadscout::monitor::detail {

namespace {

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool running(batch::Status status) { return status == batch::Status::starting || status == batch::Status::running; }

}  // namespace

ProgressState::ProgressState(std::filesystem::path dir, Scope scope, std::chrono::milliseconds stall_after, Clock clock)
    : dir_(std::move(dir)), scope_(scope), stall_after_(stall_after), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

void ProgressState::refresh() {
  std::map<std::string, std::pair<batch::ProgressSnapshot, std::filesystem::path>> found;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::filesystem::path& file = it->path();
    if (file.extension() != ".json" || file.filename() == "batch-status.json") continue;
    try {
      batch::ProgressSnapshot s = batch::read_progress(file);
      if (scope_ == Scope::this_process && s.pid != static_cast<std::int64_t>(::getpid())) continue;
      std::filesystem::path prom = file;
      prom.replace_extension(".prom");
      found.emplace(file.stem().string(), std::make_pair(std::move(s), std::move(prom)));
    } catch (const std::exception&) {
      // Not a progress file (or one being replaced): leave it out of this round.
    }
  }
  const auto now = clock_();
  std::lock_guard lock(m_);
  std::map<std::string, Entry> next;
  for (auto& [stem, v] : found) {
    Entry e;
    e.processed = v.first.processed;
    e.changed_at = now;
    if (auto old = entries_.find(stem); old != entries_.end() && old->second.processed == e.processed &&
                                        old->second.snapshot.started_at == v.first.started_at) {
      e.changed_at = old->second.changed_at;
    }
    e.snapshot = std::move(v.first);
    e.prom_file = std::move(v.second);
    next.emplace(stem, std::move(e));
  }
  entries_ = std::move(next);
}

std::vector<batch::ProgressSnapshot> ProgressState::snapshots() const {
  std::lock_guard lock(m_);
  std::vector<batch::ProgressSnapshot> out;
  out.reserve(entries_.size());
  for (const auto& [stem, e] : entries_) out.push_back(e.snapshot);
  return out;
}

Health ProgressState::health() const {
  const auto now = clock_();
  std::lock_guard lock(m_);
  Health worst;
  for (const auto& [stem, e] : entries_) {
    if (!running(e.snapshot.status)) continue;
    const auto idle = now - e.changed_at;
    if (idle <= stall_after_) continue;
    const double seconds = std::chrono::duration<double>(idle).count();
    if (worst.ok || seconds > worst.stalled_seconds) {
      worst.ok = false;
      worst.operation = stem;
      worst.stalled_seconds = seconds;
    }
  }
  return worst;
}

std::string ProgressState::prometheus() const {
  std::vector<std::filesystem::path> files;
  {
    std::lock_guard lock(m_);
    for (const auto& [stem, e] : entries_) files.push_back(e.prom_file);
  }
  std::vector<std::string> texts;
  for (const auto& f : files) texts.push_back(read_text(f));
  return merge_prometheus(texts);
}

std::string merge_prometheus(const std::vector<std::string>& texts) {
  struct Family {
    std::string help;
    std::string type;
    std::vector<std::string> samples;
  };
  std::vector<std::string> order;
  std::unordered_map<std::string, Family> families;
  auto family = [&](const std::string& name) -> Family& {
    auto [it, inserted] = families.try_emplace(name);
    if (inserted) order.push_back(name);
    return it->second;
  };
  for (const std::string& text : texts) {
    std::string current;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
        const std::size_t start = 7;
        const std::size_t end = line.find(' ', start);
        const std::string name = line.substr(start, end == std::string::npos ? std::string::npos : end - start);
        Family& f = family(name);
        std::string& slot = line[2] == 'H' ? f.help : f.type;
        if (slot.empty()) slot = line;
        current = name;
        continue;
      }
      if (line[0] == '#') continue;
      const std::string name = line.substr(0, line.find_first_of("{ "));
      const bool in_current = !current.empty() && (name == current || name.rfind(current + "_", 0) == 0);
      family(in_current ? current : name).samples.push_back(line);
    }
  }
  std::string out;
  for (const std::string& name : order) {
    const Family& f = families[name];
    if (!f.help.empty()) out += f.help + '\n';
    if (!f.type.empty()) out += f.type + '\n';
    for (const std::string& s : f.samples) out += s + '\n';
  }
  return out;
}

std::string logging_metrics() {
  const log::Stats st = log::stats();
  std::string out;
  out += "# HELP leadscout_log_events_total Log events written, by level.\n";
  out += "# TYPE leadscout_log_events_total counter\n";
  for (std::size_t i = 0; i < st.events_by_level.size(); ++i) {
    out += "leadscout_log_events_total{level=\"";
    out += log::to_string(static_cast<log::Level>(i));
    out += "\"} " + std::to_string(st.events_by_level[i]) + '\n';
  }
  out += "# HELP leadscout_log_dropped_events_total Log events lost to a full queue.\n";
  out += "# TYPE leadscout_log_dropped_events_total counter\n";
  out += "leadscout_log_dropped_events_total " + std::to_string(st.dropped) + '\n';
  out += "# HELP leadscout_log_sink_errors_total Failed writes or opens of log files.\n";
  out += "# TYPE leadscout_log_sink_errors_total counter\n";
  out += "leadscout_log_sink_errors_total " + std::to_string(st.sink_errors) + '\n';
  out += "# HELP leadscout_build_info The leadscout library version.\n";
  out += "# TYPE leadscout_build_info gauge\n";
  out += "leadscout_build_info{version=\"" LEADSCOUT_VERSION_STRING "\"} 1\n";
  return out;
}

bool constant_time_equal(std::string_view given, std::string_view expected) noexcept {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(g ^ static_cast<unsigned char>(expected[i]));
  }
  return diff == 0;
}

}  // namespace leadscout::monitor::detail

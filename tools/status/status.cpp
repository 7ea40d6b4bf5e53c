// leadscout-status core: directory scan, shard aggregation, health check and rendering.
#include "status.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "iso8601.hpp"
#include "text.hpp"

namespace leadscout::status {

namespace fs = std::filesystem;
using text::file_label;
using text::fixed;
using text::one_line;
using text::shard_label;
using text::shards_text;
using text::status_name;

namespace {

constexpr std::string_view json_suffix = ".json";
constexpr std::string_view shard_marker = ".shard-";

/// Parses all of `text` as an unsigned number.
template <class T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  if (text.empty()) return std::nullopt;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ProgressName> parse_progress_name(std::string_view filename) {
  if (filename.empty() || filename.front() == '.') return std::nullopt;
  if (filename.size() <= json_suffix.size() || !filename.ends_with(json_suffix)) return std::nullopt;
  if (filename == "batch-status.json") return std::nullopt;
  const std::string_view stem = filename.substr(0, filename.size() - json_suffix.size());
  ProgressName name;
  name.operation = std::string(stem);
  if (const auto pos = stem.rfind(shard_marker); pos != std::string_view::npos && pos > 0) {
    const std::string_view spec = stem.substr(pos + shard_marker.size());
    if (const auto of = spec.find("-of-"); of != std::string_view::npos) {
      const auto index = parse_number<std::uint32_t>(spec.substr(0, of));
      const auto count = parse_number<std::uint32_t>(spec.substr(of + 4));
      if (index && count && *index < *count) {
        name.operation = std::string(stem.substr(0, pos));
        name.shard = lb::ShardSpec{*index, *count};
      }
    }
  }
  return name;
}

std::optional<TimePoint> parse_iso8601(std::string_view text) {
  const auto micros = common::parse_iso8601(text, {.any_separator = true, .optional_zone = true});
  if (!micros) return std::nullopt;
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(*micros)));
}

std::string format_iso8601(TimePoint t) {
  return common::format_iso8601_utc(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count(), 0);
}

std::string format_duration(double seconds) {
  if (!(seconds > 0.0)) return "0s";  // also NaN
  if (seconds > 1e12) seconds = 1e12;
  const auto total = static_cast<std::int64_t>(std::floor(seconds));
  char buf[48];
  if (total < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(total));
  } else if (total < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  } else if (total < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(total / 3600),
                  static_cast<long long>(total % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(total / 86400),
                  static_cast<long long>(total % 86400 / 3600));
  }
  return buf;
}

std::variant<ShardFile, FileError> read_progress_file(const fs::path& file, const ProgressName& name) {
  const auto fail = [&](std::string message) {
    return FileError{file, name.operation, one_line(std::move(message))};
  };
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return fail("cannot read");
  const std::string text = content.str();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return fail("empty file (half-written?)");

  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string("not valid JSON (truncated or corrupt): ") + e.what());
  }
  if (!j.is_object()) return fail("not a JSON object");
  if (const auto it = j.find("schema_version");
      it != j.end() && it->is_number_integer() && it->get<int>() != lb::ProgressSnapshot::current_schema_version) {
    return fail("unsupported schema_version " + it->dump() + " (this tool reads " +
                std::to_string(lb::ProgressSnapshot::current_schema_version) + ")");
  }
  ShardFile f;
  f.file = file;
  f.name = name;
  try {
    f.snapshot = j.get<lb::ProgressSnapshot>();
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string("not a progress file: ") + e.what());
  }
  const auto heartbeat = parse_iso8601(f.snapshot.timestamp);
  if (!heartbeat) return fail("unreadable timestamp '" + f.snapshot.timestamp + "'");
  f.heartbeat = *heartbeat;
  return f;
}

ScanResult scan_directory(const fs::path& dir, std::string_view operation) {
  std::error_code ec;
  const auto st = fs::status(dir, ec);
  if (!fs::exists(st)) throw std::runtime_error("progress directory " + dir.string() + " does not exist");
  if (!fs::is_directory(st)) throw std::runtime_error("progress directory " + dir.string() + " is not a directory");
  fs::directory_iterator it(dir, ec);
  if (ec) throw std::runtime_error("cannot read progress directory " + dir.string() + ": " + ec.message());

  ScanResult result;
  for (const fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) throw std::runtime_error("cannot read progress directory " + dir.string() + ": " + ec.message());
    const auto name = parse_progress_name(it->path().filename().string());
    if (!name || (!operation.empty() && name->operation != operation)) continue;
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    auto read = read_progress_file(it->path(), *name);
    if (auto* ok = std::get_if<ShardFile>(&read)) {
      result.files.push_back(std::move(*ok));
    } else {
      result.errors.push_back(std::get<FileError>(std::move(read)));
    }
  }
  std::sort(result.files.begin(), result.files.end(), [](const ShardFile& a, const ShardFile& b) {
    const auto key = [](const ShardFile& f) {
      return std::tuple<const std::string&, std::uint32_t, std::uint32_t>(
          f.name.operation, f.name.shard ? f.name.shard->count : 0U, f.name.shard ? f.name.shard->index : 0U);
    };
    return key(a) < key(b);
  });
  std::sort(result.errors.begin(), result.errors.end(),
            [](const FileError& a, const FileError& b) { return a.file < b.file; });
  return result;
}

PidState probe_local_process(std::string_view host, std::int64_t pid) {
  if (host.empty() || pid <= 0 || pid > INT_MAX) return PidState::unknown;
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return PidState::unknown;
  if (host != std::string_view(buf)) return PidState::unknown;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) {
    return errno == ESRCH ? PidState::dead : PidState::unknown;
  }
  // A killed process that its parent has not reaped yet is a zombie: it still answers kill().
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (std::getline(stat, line)) {
    const auto paren = line.rfind(')');  // the command name may contain spaces and parentheses
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z') return PidState::dead;
  }
  return PidState::alive;
}

bool is_active(lb::Status status) noexcept {
  return status == lb::Status::starting || status == lb::Status::running;
}

lb::Status combine_status(const std::vector<lb::Status>& statuses) {
  const auto any = [&](lb::Status s) { return std::find(statuses.begin(), statuses.end(), s) != statuses.end(); };
  if (any(lb::Status::failed)) return lb::Status::failed;
  if (any(lb::Status::running)) return lb::Status::running;
  if (any(lb::Status::starting)) return lb::Status::starting;
  if (any(lb::Status::budget_exhausted)) return lb::Status::budget_exhausted;
  if (any(lb::Status::deadline_exceeded)) return lb::Status::deadline_exceeded;
  if (any(lb::Status::interrupted)) return lb::Status::interrupted;
  return lb::Status::completed;
}

std::vector<OperationRow> aggregate(const std::vector<ShardFile>& files, const Environment& env) {
  std::map<std::pair<std::string, std::uint32_t>, std::vector<const ShardFile*>> groups;
  for (const auto& f : files) {
    groups[{f.name.operation, f.name.shard ? f.name.shard->count : 0U}].push_back(&f);
  }
  std::vector<OperationRow> rows;
  for (const auto& [key, members] : groups) {
    OperationRow row;
    row.operation = key.first;
    row.shard_count = key.second;
    std::vector<lb::Status> statuses;
    bool any_active = false;
    std::optional<std::uint64_t> expected = 0;
    for (const ShardFile* f : members) {
      const auto& s = f->snapshot;
      ShardRow sr;
      sr.source = f;
      sr.heartbeat_age_seconds = std::max(0.0, std::chrono::duration<double>(env.now - f->heartbeat).count());
      sr.pid = env.probe ? env.probe(s.host, s.pid) : PidState::unknown;
      row.shards.push_back(sr);
      statuses.push_back(s.status);
      any_active = any_active || is_active(s.status);
      row.processed += s.processed;
      row.total += s.total;
      row.total_known = row.total_known && s.total_known;
      if (expected && (s.total_known || s.expected_total)) {
        *expected += s.total_known ? s.total : *s.expected_total;
      } else {
        expected.reset();
      }
      row.succeeded += s.succeeded;
      row.failed += s.failed;
      row.retried += s.retried;
      row.skipped_resumed += s.skipped_resumed;
      row.in_flight += s.in_flight;
      row.heartbeat_age_seconds = std::max(row.heartbeat_age_seconds, sr.heartbeat_age_seconds);
      if (!s.reason.empty()) {
        row.reasons.push_back(members.size() > 1 && f->name.shard ? shard_label(*f->name.shard) + ": " + s.reason
                                                                  : s.reason);
      }
    }
    row.status = combine_status(statuses);
    if (!row.total_known) row.expected_total = expected;
    const std::uint64_t of = row.total_known ? row.total : expected.value_or(0);
    if (of > 0) {
      row.percentage = std::min(100.0, std::floor(static_cast<double>(row.processed) * 1000.0 / static_cast<double>(of)) / 10.0);
    } else {
      row.percentage = row.status == lb::Status::completed ? 100.0 : 0.0;
    }
    // Rate, ETA and liveness come from the shards still at work; when none is, from all of them.
    bool eta_known = any_active;
    bool any_dead = false, all_alive = true;
    for (const auto& sr : row.shards) {
      const auto& s = sr.source->snapshot;
      if (any_active && !is_active(s.status)) continue;
      row.rate_per_second += s.rate_per_second;
      if (s.eta_seconds) {
        row.eta_seconds = std::max(row.eta_seconds.value_or(0.0), *s.eta_seconds);
      } else {
        eta_known = false;
      }
      any_dead = any_dead || sr.pid == PidState::dead;
      all_alive = all_alive && sr.pid == PidState::alive;
    }
    if (!eta_known) row.eta_seconds.reset();
    std::vector<QuotaSource> quota_sources;
    for (auto& sr : row.shards) {
      const QuotaSource src{&sr.source->snapshot, is_active(sr.source->snapshot.status)};
      sr.quotas = sum_quotas({src}, env.now);
      quota_sources.push_back(src);
    }
    row.quotas = sum_quotas(quota_sources, env.now);
    row.pid = any_dead ? PidState::dead : all_alive ? PidState::alive : PidState::unknown;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string_view to_string(CheckState s) noexcept {
  switch (s) {
    case CheckState::ok:
      return "OK";
    case CheckState::warning:
      return "WARNING";
    case CheckState::critical:
      return "CRITICAL";
    case CheckState::unknown:
      break;
  }
  return "UNKNOWN";
}

CheckState worse(CheckState a, CheckState b) noexcept {
  const auto rank = [](CheckState s) {
    switch (s) {
      case CheckState::ok:
        return 0;
      case CheckState::unknown:
        return 1;
      case CheckState::warning:
        return 2;
      case CheckState::critical:
        return 3;
    }
    return 1;
  };
  return rank(a) >= rank(b) ? a : b;
}

CheckResult evaluate_check(const ScanResult& scan, const std::vector<OperationRow>& rows,
                           const CheckOptions& options, const Environment& /*env*/, const fs::path& dir,
                           std::string_view operation) {
  std::vector<std::pair<CheckState, std::string>> problems;
  const auto problem = [&](CheckState s, std::string text) { problems.emplace_back(s, one_line(std::move(text))); };

  if (scan.files.empty() && scan.errors.empty()) {
    problem(CheckState::unknown, operation.empty()
                                      ? "no progress file in " + dir.string()
                                      : "no progress file for operation " + std::string(operation) + " in " +
                                            dir.string());
  }
  for (const auto& e : scan.errors) {
    problem(CheckState::unknown, "unreadable progress file " + e.file.string() + ": " + e.message);
  }
  for (const auto& row : rows) {
    for (const auto& sr : row.shards) {
      const ShardFile& f = *sr.source;
      const auto& s = f.snapshot;
      const std::string label = file_label(f);
      if (s.status == lb::Status::failed) {
        problem(CheckState::critical, label + " failed" + (s.reason.empty() ? "" : ": " + s.reason));
      }
      if (is_active(s.status) && sr.pid == PidState::dead) {
        problem(CheckState::critical, label + " " + status_name(s.status) + " but pid " + std::to_string(s.pid) +
                                           " is gone on " + s.host);
      }
      if (is_active(s.status) && sr.heartbeat_age_seconds > options.stale_after_seconds) {
        problem(CheckState::warning, label + " heartbeat " + format_duration(sr.heartbeat_age_seconds) +
                                          " ago (stale after " + format_duration(options.stale_after_seconds) + ")");
      }
    }
    const bool stopped_on_budget = std::any_of(row.shards.begin(), row.shards.end(), [](const ShardRow& sr) {
      return sr.source->snapshot.status == lb::Status::budget_exhausted;
    });
    for (auto& qp : quota_problems(row.operation, stopped_on_budget, row.quotas)) {
      problem(qp.critical ? CheckState::critical : CheckState::warning, std::move(qp.message));
    }
    if (row.processed > 0) {
      const double rate = static_cast<double>(row.failed) / static_cast<double>(row.processed);
      if (rate > options.max_failure_rate) {
        problem(CheckState::warning, row.operation + " failure rate " + fixed(rate * 100.0, 1) + "% (" +
                                          std::to_string(row.failed) + "/" + std::to_string(row.processed) +
                                          " failed) above " + fixed(options.max_failure_rate * 100.0, 1) + "%");
      }
    }
  }

  CheckResult result;
  std::string text;
  if (problems.empty()) {
    for (const auto& row : rows) {
      if (!text.empty()) text += "; ";
      text += row.operation + " " + status_name(row.status) + " " + std::to_string(row.processed) + "/" +
              std::to_string(row.total) + " (" + fixed(row.percentage, 1) + "%)";
      if (row.shard_count > 0) text += " [" + shards_text(row) + "]";
      text += (is_active(row.status) ? ", heartbeat " : ", ended ") + format_duration(row.heartbeat_age_seconds) +
              " ago";
    }
  } else {
    std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) {
      return worse(a.first, b.first) == a.first && a.first != b.first;
    });
    for (const auto& [state, message] : problems) {
      result.state = worse(result.state, state);
      if (!text.empty()) text += "; ";
      text += message;
    }
  }
  result.line = "LEADSCOUT " + std::string(to_string(result.state)) + " - " + text;
  return result;
}

}  // namespace leadscout::status

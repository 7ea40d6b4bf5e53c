// The result file of a run: append, reconcile with the journal, fsync.
#include "results_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "csv.hpp"
#include "json_string.hpp"
#include "posix_file.hpp"
#include "results_scan.hpp"
#include "shard_env.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/shard.hpp"

namespace leadscout::batch::detail {

namespace {

// Results held for one pass over the file's ids: a pass costs about as much as reading the
// ids, so it waits for many of them, but their text must stay small.
constexpr std::size_t kMaxUnmatched = std::size_t{1} << 16;
constexpr std::size_t kMaxUnmatchedBytes = std::size_t{16} << 20;

}  // namespace

std::string csv_cell(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return {};
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ResultsWriter::~ResultsWriter() { (void)close(); }

void ResultsWriter::open(const ResultsSink& sink, bool fresh, const std::optional<ShardSpec>& shard) {
  kind_ = sink.kind();
  path_ = sink.path();
  if (shard && shard->count > 1) {
    path_.replace_filename(path_.stem().string() + "." + common::shard_name({shard->index, shard->count}) +
                           path_.extension().string());
  }
  const char* kind_name = kind_ == ResultsSink::Kind::csv ? "csv_results" : "jsonl_results";
  if (path_.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path_.parent_path(), ec);
  }
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | (fresh ? O_TRUNC : 0), 0644);
  if (fd_ < 0) {
    throw leadscout::Error(std::string("Options::results: cannot open ") + kind_name + " file " + path_.string() + ": " +
                std::strerror(errno));
  }
  scan_existing(kind_name);
}

void ResultsWriter::scan_existing(std::string_view kind_name) {
  ResultsFileScan scan = scan_results_file(fd_, kind_, path_.string(), present_);
  if (kind_ == ResultsSink::Kind::csv && scan.has_header) {
    header_written_ = true;
    columns_ = std::move(scan.columns);
    objects_ = !(columns_.size() == 1 && columns_[0] == "result");
  }
  const auto size = static_cast<std::uint64_t>(::lseek(fd_, 0, SEEK_END));
  if (size > scan.complete && ::ftruncate(fd_, static_cast<off_t>(scan.complete)) != 0) {
    throw leadscout::Error(std::string("Options::results: cannot cut the half-written record of ") + std::string(kind_name) +
                " file " + path_.string() + ": " + std::strerror(errno));
  }
}

int ResultsWriter::reconcile(std::string_view id, std::string_view result_json) {
  const std::uint64_t key = result_key(id);
  if (present_.match(key)) return 0;
  unmatched_.push_back(Unmatched{key, std::string(id), std::string(result_json)});
  unmatched_bytes_ += id.size() + result_json.size();
  if (unmatched_.size() < kMaxUnmatched && unmatched_bytes_ < kMaxUnmatchedBytes) return 0;
  return settle_unmatched();
}

int ResultsWriter::settle_unmatched() {
  std::vector<std::uint64_t> keys(unmatched_.size());
  for (std::size_t i = 0; i < unmatched_.size(); ++i) keys[i] = unmatched_[i].key;
  std::vector<bool> found;
  present_.contains(keys, found);
  int err = 0;
  for (std::size_t i = 0; i < unmatched_.size() && err == 0; ++i) {
    if (found[i]) continue;
    ++reconciled_;
    err = write(unmatched_[i].id, unmatched_[i].result_json);
  }
  unmatched_.clear();
  unmatched_bytes_ = 0;
  return err;
}

int ResultsWriter::end_reconcile() {
  const int err = settle_unmatched();
  std::vector<Unmatched>().swap(unmatched_);
  present_.clear();
  return err;
}

std::string ResultsWriter::line(std::string_view id, std::string_view result_json) {
  std::string out;
  if (kind_ == ResultsSink::Kind::jsonl) {
    out += "{\"id\":";
    common::append_json_string(out, id);
    out += ",\"result\":";
    out += result_json;  // valid JSON: dumped by the processor or checked by the journal
    out += "}\n";
    return out;
  }
  const nlohmann::json result = nlohmann::json::parse(result_json, nullptr, false);
  if (!header_written_) {
    objects_ = result.is_object();
    if (objects_) {
      for (const auto& [key, value] : result.items()) columns_.push_back(key);
    } else {
      columns_ = {"result"};
    }
    out += "id";
    for (const auto& c : columns_) {
      out += ',';
      common::append_csv_field(out, c);
    }
    out += "\r\n";
    header_written_ = true;
  }
  common::append_csv_field(out, id);
  for (const auto& c : columns_) {
    out += ',';
    if (!objects_) {
      common::append_csv_field(out, csv_cell(result));
    } else if (result.is_object()) {
      if (const auto it = result.find(c); it != result.end()) common::append_csv_field(out, csv_cell(*it));
    }
  }
  out += "\r\n";
  return out;
}

int ResultsWriter::write(std::string_view id, std::string_view result_json) {
  const std::lock_guard<std::mutex> guard(mu_);
  if (fd_ < 0) return EBADF;
  // One write per record: a kill leaves at most the last one half-written, and open() cuts it.
  return common::write_all(fd_, line(id, result_json));
}

int ResultsWriter::close() noexcept {
  const std::lock_guard<std::mutex> guard(mu_);
  if (fd_ < 0) return 0;
  int err = ::fsync(fd_) == 0 ? 0 : errno;
  if (::close(fd_) != 0 && err == 0) err = errno;
  fd_ = -1;
  return err;
}

}  // namespace leadscout::batch::detail

// The result file of a run: append, reconcile with the journal, fsync.
#include "results_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "csv.hpp"
#include "json_scan.hpp"
#include "json_string.hpp"
#include "posix_file.hpp"
#include "shard_env.hpp"
#include "leadscout/batch/options.hpp"
#include "leadscout/batch/shard.hpp"

namespace leadscout::batch::detail {

namespace {

/// The id of a JSONL result line; empty when the line is not one.
std::string jsonl_id(std::string_view line, std::vector<common::JsonMember>& members) {
  if (common::scan_json_object(line, members) != common::JsonScanError::none) return {};
  for (const auto& m : members) {
    if (m.kind != common::JsonKind::string || m.key != "id") continue;
    return m.value_escaped ? common::json_unescape(m.value) : std::string(m.value);
  }
  return {};
}

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
  std::ifstream in(path_, std::ios::binary);
  std::size_t complete = 0;  // end of the last whole record
  if (kind_ == ResultsSink::Kind::jsonl) {
    std::vector<common::JsonMember> members;
    std::string text;
    std::size_t offset = 0;
    while (std::getline(in, text)) {
      offset += text.size() + 1;
      if (in.eof()) break;  // no line break: a half-written line
      complete = offset;
      if (std::string id = jsonl_id(text, members); !id.empty()) present_.push_back(id_key(id));
    }
  } else {
    common::CsvReader reader;
    std::vector<char> buf(1 << 16);
    bool header = true;
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
      reader.feed(std::string_view(buf.data(), static_cast<std::size_t>(in.gcount())),
                  [&](const std::vector<std::string>& fields, std::size_t end) {
                    complete = end;
                    if (header) {
                      header = false;
                      header_written_ = true;
                      columns_.assign(fields.begin() + (fields.empty() ? 0 : 1), fields.end());
                      objects_ = !(columns_.size() == 1 && columns_[0] == "result");
                    } else if (!fields.empty() && !fields[0].empty()) {
                      present_.push_back(id_key(fields[0]));
                    }
                  });
    }
  }
  std::sort(present_.begin(), present_.end());
  present_directory_.build(present_.size(), [this](std::size_t i) { return present_[i]; });
  const auto size = static_cast<std::size_t>(::lseek(fd_, 0, SEEK_END));
  if (size > complete && ::ftruncate(fd_, static_cast<off_t>(complete)) != 0) {
    throw leadscout::Error(std::string("Options::results: cannot cut the half-written record of ") + std::string(kind_name) +
                " file " + path_.string() + ": " + std::strerror(errno));
  }
}

int ResultsWriter::reconcile(std::string_view id, std::string_view result_json) {
  const std::uint64_t key = id_key(id);
  const auto [begin, end] = present_directory_.range(key);
  for (std::size_t i = begin; i < end && present_[i] <= key; ++i) {
    if (present_[i] == key) return 0;
  }
  ++reconciled_;
  return write(id, result_json);
}

void ResultsWriter::end_reconcile() noexcept {
  std::vector<std::uint64_t>().swap(present_);
  present_directory_ = HashDirectory();
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

// Merging shards' result files.
#include "merge.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <unordered_set>

#include "csv.hpp"
#include "json_scan.hpp"
#include "json_string.hpp"
#include "posix_file.hpp"

namespace leadscout::results_tool {

namespace {

enum class Format { jsonl, csv };

Format format_of(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".jsonl") return Format::jsonl;
  if (ext == ".csv") return Format::csv;
  throw MergeError(p.string() + ": not a .jsonl or .csv file");
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw MergeError(p.string() + ": " + std::strerror(errno));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Keeps the first record of each id.
class Merger {
 public:
  explicit Merger(Format format) : format_(format) {}

  void add_file(const std::filesystem::path& p, MergeReport& report) {
    const std::string text = read_all(p);
    if (format_ == Format::jsonl) {
      add_jsonl(p, text, report);
    } else {
      add_csv(p, text, report);
    }
    ++report.files;
  }

  [[nodiscard]] const std::string& text() const noexcept { return out_; }

 private:
  void keep(std::string id, std::string_view record, MergeReport& report) {
    if (!seen_.insert(std::move(id)).second) {
      ++report.duplicates;
      return;
    }
    out_ += record;
    ++report.results;
  }

  void add_jsonl(const std::filesystem::path& p, std::string_view text, MergeReport& report) {
    std::size_t line_no = 0;
    while (!text.empty()) {
      ++line_no;
      const std::size_t end = text.find('\n');
      if (end == std::string_view::npos) {  // a kill's half-written last line
        ++report.torn;
        return;
      }
      const std::string_view line = text.substr(0, end);
      text.remove_prefix(end + 1);
      std::string id;
      if (common::scan_json_object(line, members_) == common::JsonScanError::none) {
        for (const auto& m : members_) {
          if (m.kind == common::JsonKind::string && m.key == "id") {
            id = m.value_escaped ? common::json_unescape(m.value) : std::string(m.value);
          }
        }
      }
      if (id.empty()) throw MergeError(p.string() + ":" + std::to_string(line_no) + ": not a result line with an id");
      keep(std::move(id), std::string_view(line.data(), line.size() + 1), report);
    }
  }

  void add_csv(const std::filesystem::path& p, std::string_view text, MergeReport& report) {
    common::CsvReader reader;
    std::size_t start = 0;
    bool first = true;
    reader.feed(text, [&](const std::vector<std::string>& fields, std::size_t end) {
      const std::string_view record = text.substr(start, end - start);
      start = end;
      if (first) {
        first = false;
        if (header_.empty()) {
          header_ = fields;
          out_ += record;
        } else if (fields != header_) {
          throw MergeError(p.string() + ": its header differs from the first file's");
        }
        return;
      }
      if (fields.empty() || fields[0].empty()) throw MergeError(p.string() + ": a row without an id");
      keep(fields[0], record, report);
    });
    if (start < text.size()) ++report.torn;
  }

  Format format_;
  std::string out_;
  std::unordered_set<std::string> seen_;
  std::vector<common::JsonMember> members_;
  std::vector<std::string> header_;
};

void write_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  common::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) throw MergeError(tmp.string() + ": " + std::strerror(errno));
  if (const int err = common::write_all(fd.get(), text); err != 0) {
    throw MergeError(tmp.string() + ": " + std::strerror(err));
  }
  const bool synced = ::fsync(fd.get()) == 0;
  fd.reset();
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) throw MergeError(path.string() + ": " + std::strerror(errno));
}

}  // namespace

MergeReport merge(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& output) {
  if (inputs.empty()) throw MergeError("no input files");
  const Format format = format_of(output);
  Merger merger(format);
  MergeReport report;
  for (const auto& p : inputs) {
    if (format_of(p) != format) throw MergeError(p.string() + ": not the same format as " + output.string());
    std::error_code same_error;
    if (std::filesystem::equivalent(p, output, same_error)) {
      throw MergeError(p.string() + ": is also the output");
    }
    merger.add_file(p, report);
  }
  write_atomically(output, merger.text());
  return report;
}

}  // namespace leadscout::results_tool

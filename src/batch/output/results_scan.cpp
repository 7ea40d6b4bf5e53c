// Reading an existing results file: JSONL ids by their fixed prefix, CSV ids by the first field.
#include "results_scan.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "json_scan.hpp"
#include "json_string.hpp"
#include "leadscout/error.hpp"

namespace leadscout::batch::detail {

namespace {

constexpr std::size_t kBlock = std::size_t{4} << 20;
constexpr std::string_view kIdPrefix = "{\"id\":\"";
constexpr std::string_view kResultInfix = "\",\"result\":";

/// Calls `feed(block, offset)` for each block of the file, from its start.
template <class Feed>
void read_blocks(int fd, const std::string& path, Feed&& feed) {
  // Not zeroed: only the pages a read fills become resident (none for a new file).
  const auto block = std::make_unique_for_overwrite<char[]>(kBlock);
  std::uint64_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, block.get(), kBlock, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw leadscout::Error("Options::results: cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) return;
    feed(std::string_view(block.get(), static_cast<std::size_t>(n)), offset);
    offset += static_cast<std::uint64_t>(n);
  }
}

void scan_jsonl(int fd, const std::string& path, PresentIds& ids, ResultsFileScan& scan) {
  std::string carry;  // a line cut by the end of a block
  std::string unescaped;
  auto on_line = [&](std::string_view line) {
    if (const std::string_view id = jsonl_line_id(line, unescaped); !id.empty()) ids.add(result_key(id));
  };
  read_blocks(fd, path, [&](std::string_view block, std::uint64_t offset) {
    std::size_t start = 0;
    while (start < block.size()) {
      const void* nl = std::memchr(block.data() + start, '\n', block.size() - start);
      if (nl == nullptr) break;
      const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - block.data());
      if (carry.empty()) {
        on_line(block.substr(start, end - start));
      } else {
        carry.append(block.data() + start, end - start);
        on_line(carry);
        carry.clear();
      }
      start = end + 1;
      scan.complete = offset + start;
    }
    carry.append(block.data() + start, block.size() - start);
  });
}

/// The first field of each CSV record (and every field of the first), by the rules of
/// common::CsvReader: a field starting with a quote is quoted until a lone quote, "" inside it
/// is a quote, a line break outside quotes ends the record, and \r outside quotes is dropped.
class CsvIdScanner {
 public:
  template <class OnRecord>
  void feed(std::string_view text, std::uint64_t offset, OnRecord&& on_record) {
    const char* p = text.data();
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (ended_) begin_record();
      if (!quoted_ && !in_header_) {
        if (field_ > 0 && !field_empty_) {
          // The rest of an unquoted field nobody reads: skip to its end.
          while (i < n && p[i] != ',' && p[i] != '\n') ++i;
        } else if (field_ == 0 && (p[i] != '"' || !field_empty_)) {
          // Plain characters of an unquoted id, taken as one run.
          const std::size_t start = i;
          while (i < n && p[i] != ',' && p[i] != '\n' && p[i] != '\r' && p[i] != '"') ++i;
          if (i > start) {
            first_.append(p + start, i - start);
            field_empty_ = false;
          }
        }
        if (i == n) break;
      }
      if (step(p[i])) on_record(first_, offset + i + 1);
    }
  }
  [[nodiscard]] bool in_header() const noexcept { return in_header_; }
  void header_done() noexcept { in_header_ = false; }
  [[nodiscard]] std::vector<std::string>& header() noexcept { return header_; }

 private:
  void append(char c) {
    field_empty_ = false;
    if (field_ == 0) first_ += c;
    if (in_header_) header_.back() += c;
  }
  void end_field() {
    ++field_;
    field_empty_ = true;
    if (in_header_) header_.emplace_back();
  }
  void begin_record() {
    ended_ = false;
    field_ = 0;
    field_empty_ = true;
    first_.clear();
    if (in_header_) header_.assign(1, std::string());
  }
  bool step(char c) {
    if (quoted_) {
      if (!quote_pending_) {
        if (c == '"') {
          quote_pending_ = true;
        } else {
          append(c);
        }
        return false;
      }
      quote_pending_ = false;
      if (c == '"') {
        append('"');
        return false;
      }
      quoted_ = false;  // the closing quote; `c` is read as outside quotes below
    }
    if (c == '"' && field_empty_) {
      quoted_ = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      ended_ = true;
      return true;
    } else if (c != '\r') {
      append(c);
    }
    return false;
  }

  std::string first_;
  std::vector<std::string> header_;
  std::size_t field_ = 0;
  bool field_empty_ = true;
  bool quoted_ = false;
  bool quote_pending_ = false;
  bool ended_ = true;
  bool in_header_ = true;
};

void scan_csv(int fd, const std::string& path, PresentIds& ids, ResultsFileScan& scan) {
  CsvIdScanner scanner;
  read_blocks(fd, path, [&](std::string_view block, std::uint64_t offset) {
    scanner.feed(block, offset, [&](const std::string& first, std::uint64_t end) {
      scan.complete = end;
      if (scanner.in_header()) {
        scanner.header_done();
        scan.has_header = true;
        std::vector<std::string>& fields = scanner.header();
        scan.columns.assign(fields.begin() + 1, fields.end());
      } else if (!first.empty()) {
        ids.add(result_key(first));
      }
    });
  });
}

}  // namespace

std::string_view jsonl_line_id(std::string_view line, std::string& unescaped) {
  if (line.starts_with(kIdPrefix) && line.ends_with('}')) {
    std::size_t i = kIdPrefix.size();
    while (i < line.size() && line[i] != '"' && line[i] != '\\' && static_cast<unsigned char>(line[i]) >= 0x20 &&
           static_cast<unsigned char>(line[i]) < 0x7f) {
      ++i;
    }
    if (line.substr(i).starts_with(kResultInfix)) return line.substr(kIdPrefix.size(), i - kIdPrefix.size());
  }
  thread_local std::vector<common::JsonMember> members;
  if (common::scan_json_object(line, members) != common::JsonScanError::none) return {};
  for (const auto& m : members) {
    if (m.kind != common::JsonKind::string || m.key != "id") continue;
    if (!m.value_escaped) return m.value;
    unescaped = common::json_unescape(m.value);
    return unescaped;
  }
  return {};
}

ResultsFileScan scan_results_file(int fd, ResultsSink::Kind kind, const std::string& path, PresentIds& ids) {
  ResultsFileScan scan;
  if (kind == ResultsSink::Kind::jsonl) {
    scan_jsonl(fd, path, ids, scan);
  } else {
    scan_csv(fd, path, ids, scan);
  }
  return scan;
}

}  // namespace leadscout::batch::detail

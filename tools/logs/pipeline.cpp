// From log files to selected events: reading, deduplication and the corrupt-line reports.
#include "pipeline.hpp"

#include <memory>
#include <system_error>

namespace leadscout::logs_tool {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view program = "leadscout-logs";

bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

void CorruptReporter::report(std::string_view path, std::uint64_t line, std::string_view reason) {
  ++count_;
  if (count_ <= limit_) {
    err_ << program << ": " << path << ':' << line << ": corrupt line skipped (" << reason
         << ")\n";
  }
}

void CorruptReporter::finish() {
  if (count_ > limit_) {
    err_ << program << ": " << count_ << " corrupt lines skipped in total (the first " << limit_
         << " shown above)\n";
  }
  err_.flush();
}

const Event* EventPipeline::process(const InputFile& file, std::string_view line,
                                    std::uint64_t line_no, bool overlong) {
  if ((line.empty() || is_ws(line.front())) && is_blank(line)) return nullptr;
  ++lines;
  if (overlong) {
    corrupt_.report(file.path.string(), line_no, "line longer than 4 MiB");
    return nullptr;
  }
  const ScanError rc = scan_line(line, event_);
  if (rc != ScanError::none) {
    corrupt_.report(file.path.string(), line_no, describe(rc));
    return nullptr;
  }
  if (dedup_ == DedupMode::routes) {
    if (!counted_here(file, event_)) {
      ++duplicates;
      return nullptr;
    }
  } else if (dedup_ == DedupMode::lines) {
    if (!seen_.insert(std::hash<std::string_view>{}(line)).second) {
      ++duplicates;
      return nullptr;
    }
  }
  if (!filter_.matches(event_)) return nullptr;
  ++selected;
  return &event_;
}

ReadTotals for_each_event(const InputOptions& in, std::ostream& err,
                          const std::function<void(const InputFile&, const Event&)>& on_event) {
  ReadTotals totals;
  const auto files = collect_files(in.paths, totals.skipped);
  CorruptReporter corrupt(err, in.corrupt_shown);
  EventPipeline pipe(in.filter, in.dedup, corrupt);
  for (const auto& f : files) {
    if (!instance_selected(in.filter.instances, f)) continue;
    std::unique_ptr<LineReader> reader;
    try {
      reader = std::make_unique<LineReader>(f.path);
    } catch (const PathError&) {
      std::error_code ec;
      if (f.from_directory && !fs::exists(f.path, ec)) continue;  // rotated away meanwhile
      throw;
    }
    ++totals.files;
    std::string_view line;
    while (reader->next(line)) {
      if (const Event* e = pipe.process(f, line, reader->line_number(), reader->overlong())) {
        on_event(f, *e);
      }
    }
    if (!reader->stream_error().empty()) {
      corrupt.report(f.path.string(), reader->line_number() + 1,
                     "compressed data damaged: " + reader->stream_error());
    }
    totals.bytes += reader->bytes();
  }
  corrupt.finish();
  totals.lines = pipe.lines;
  totals.corrupt = corrupt.count();
  totals.duplicates = pipe.duplicates;
  totals.selected = pipe.selected;
  return totals;
}

}  // namespace leadscout::logs_tool

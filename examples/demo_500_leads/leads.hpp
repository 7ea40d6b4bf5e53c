// Leads: reading them from a CSV file, or generating South-African names deterministically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <istream>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace demo {

/// One lead to classify.
struct Lead {
  std::string id;
  std::string name;
};

/// A malformed input file; what() is "<source>:<line>: <problem>".
class CsvError : public std::runtime_error {
 public:
  CsvError(std::string source, std::size_t line, const std::string& problem);
  /// The 1-based line where the bad record starts.
  [[nodiscard]] std::size_t line() const noexcept { return line_; }

 private:
  std::size_t line_;
};

/// Reads leads from CSV one record at a time (RFC 4180: quoted fields, "" escapes, CRLF, a
/// UTF-8 BOM), with a header naming at least the columns `id` and `name` (any order; other
/// columns are ignored). Blank lines are skipped. Throws CsvError naming the line for a
/// missing column, a wrong field count, an empty id or name, or an unterminated quote.
class LeadCsvReader {
 public:
  /// Reads the header; `in` must outlive the reader.
  LeadCsvReader(std::istream& in, std::string source);
  /// The next lead, or nullopt at the end.
  std::optional<Lead> next();
  /// The line where the last lead returned starts.
  [[nodiscard]] std::size_t line() const noexcept { return start_; }

 private:
  std::istream& in_;
  std::string source_;
  std::size_t line_ = 0;
  std::size_t start_ = 0;
  std::size_t columns_ = 0, id_col_ = 0, name_col_ = 0;
  std::vector<std::string> fields_;
};

/// `count` leads made one at a time: the sequence of generate_leads().
class LeadGenerator {
 public:
  LeadGenerator(std::size_t count, std::uint64_t seed);
  ~LeadGenerator();
  LeadGenerator(LeadGenerator&&) noexcept;
  LeadGenerator& operator=(LeadGenerator&&) noexcept;
  /// The next lead, or nullopt after `count`.
  std::optional<Lead> next();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// A single-pass input range over a source of leads (`next` returns nullopt at the end): what
/// BackgroundProcessor::run() reads as it goes, so no lead list is held in memory.
class LeadStream {
 public:
  explicit LeadStream(std::function<std::optional<Lead>()> next) : next_(std::move(next)) {}

  class iterator {
   public:
    using iterator_concept = std::input_iterator_tag;
    using value_type = Lead;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(LeadStream* s) : stream_(s) {}
    const Lead& operator*() const { return *stream_->current_; }
    iterator& operator++() {
      stream_->advance();
      return *this;
    }
    void operator++(int) { stream_->advance(); }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.stream_->at_end(); }

   private:
    LeadStream* stream_ = nullptr;
  };
  iterator begin() {
    advance();
    return iterator(this);
  }
  std::default_sentinel_t end() { return {}; }
  [[nodiscard]] bool at_end() const noexcept { return !current_; }

 private:
  void advance() { current_ = next_(); }
  std::function<std::optional<Lead>()> next_;
  std::optional<Lead> current_;
};

/// Parses CSV (RFC 4180: quoted fields, "" escapes, CRLF, a UTF-8 BOM) with a header naming
/// at least the columns `id` and `name` (any order; other columns are ignored). Blank lines
/// are skipped. Throws CsvError naming the line for a missing column, a wrong field count, an
/// empty id or name, a duplicate id or an unterminated quote.
[[nodiscard]] std::vector<Lead> parse_leads_csv(std::istream& in, const std::string& source);

/// parse_leads_csv() on a file; a file that cannot be opened is a CsvError at line 0.
[[nodiscard]] std::vector<Lead> read_leads_csv(const std::filesystem::path& file);

/// `count` leads with ids lead-0001, lead-0002, ... and South-African person and company names
/// ("MOKGADI MOTALE", "LUBAMBO LOGISTICS (PTY) LTD"); the same seed gives the same leads.
[[nodiscard]] std::vector<Lead> generate_leads(std::size_t count, std::uint64_t seed);

}  // namespace demo

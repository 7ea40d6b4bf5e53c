// Leads: reading them from a CSV file, or generating South-African names deterministically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <istream>
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

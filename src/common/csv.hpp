// CSV (RFC 4180) fields: writing them, and reading records back, for the result files and the
// tool that merges them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace leadscout::common {

/// Appends `v` as one field, quoted when it holds a comma, a quote or a line break.
void append_csv_field(std::string& out, std::string_view v);

/// Reads records from text fed in pieces; a record may span lines inside quotes.
class CsvReader {
 public:
  /// Feeds `text`; calls `on_record(fields, end)` for each record completed, with `end` the
  /// offset (from the start of everything fed) just past its line break.
  template <class F>
  void feed(std::string_view text, F&& on_record) {
    for (char c : text) {
      ++offset_;
      if (step(c)) on_record(fields_, offset_);
    }
  }

 private:
  bool step(char c);

  std::vector<std::string> fields_;
  std::string field_;
  bool quoted_ = false;
  bool quote_pending_ = false;  ///< a quote inside a quoted field: an escape or the end
  bool ended_ = true;           ///< the last record ended: the next char starts a new one
  std::size_t offset_ = 0;
};

}  // namespace leadscout::common

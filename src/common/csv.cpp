// CSV fields and records.
#include "csv.hpp"

namespace leadscout::common {

void append_csv_field(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

bool CsvReader::step(char c) {
  if (ended_) {
    fields_.clear();
    field_.clear();
    ended_ = false;
  }
  if (quoted_) {
    if (quote_pending_) {
      quote_pending_ = false;
      if (c == '"') {
        field_ += '"';
        return false;
      }
      quoted_ = false;  // the closing quote; `c` is read as outside quotes below
    } else if (c == '"') {
      quote_pending_ = true;
      return false;
    } else {
      field_ += c;
      return false;
    }
  }
  if (c == '"' && field_.empty()) {
    quoted_ = true;
  } else if (c == ',') {
    fields_.push_back(std::move(field_));
    field_.clear();
  } else if (c == '\n') {
    fields_.push_back(std::move(field_));
    field_.clear();
    ended_ = true;
    return true;
  } else if (c != '\r') {
    field_ += c;
  }
  return false;
}

}  // namespace leadscout::common

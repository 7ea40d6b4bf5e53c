// JSONL and CSV export of results.
#include "leadscout/batch/results_export.hpp"

#include "csv.hpp"
#include "files.hpp"
#include "results_writer.hpp"

namespace leadscout::batch::detail {

void export_jsonl(const std::filesystem::path& path, const ResultRows& rows) {
  std::string out;
  for (const auto& [id, result] : rows) {
    // The result text is valid JSON (dumped by to_rows) and goes in as it is.
    out += "{\"id\":";
    out += nlohmann::json(id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += ",\"result\":";
    out += result;
    out += "}\n";
  }
  write_file_atomic(path, out);
}


void export_csv(const std::filesystem::path& path, const ResultRows& text_rows) {
  std::vector<std::pair<std::string_view, nlohmann::json>> rows;
  rows.reserve(text_rows.size());
  for (const auto& [id, text] : text_rows) rows.emplace_back(id, nlohmann::json::parse(text));
  bool objects = !rows.empty();
  std::vector<std::string> columns;
  for (const auto& [id, result] : rows) {
    if (!result.is_object()) {
      objects = false;
      break;
    }
    for (const auto& [key, value] : result.items()) {
      if (std::find(columns.begin(), columns.end(), key) == columns.end()) columns.push_back(key);
    }
  }
  if (!objects) columns = {"result"};
  std::string out = "id";
  for (const auto& c : columns) {
    out += ',';
    common::append_csv_field(out, c);
  }
  out += "\r\n";
  for (const auto& [id, result] : rows) {
    common::append_csv_field(out, id);
    for (const auto& c : columns) {
      out += ',';
      if (!objects) {
        common::append_csv_field(out, csv_cell(result));
      } else if (auto it = result.find(c); it != result.end()) {
        common::append_csv_field(out, csv_cell(*it));
      }
    }
    out += "\r\n";
  }
  write_file_atomic(path, out);
}

}  // namespace leadscout::batch::detail

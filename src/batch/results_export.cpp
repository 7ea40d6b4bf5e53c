// JSONL and CSV export of results.
#include "leadscout/batch/results_export.hpp"

#include "files.hpp"

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

namespace {

void csv_field(std::string& out, std::string_view v) {
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

std::string cell(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return {};
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

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
    csv_field(out, c);
  }
  out += "\r\n";
  for (const auto& [id, result] : rows) {
    csv_field(out, id);
    for (const auto& c : columns) {
      out += ',';
      if (!objects) {
        csv_field(out, cell(result));
      } else if (auto it = result.find(c); it != result.end()) {
        csv_field(out, cell(*it));
      }
    }
    out += "\r\n";
  }
  write_file_atomic(path, out);
}

}  // namespace leadscout::batch::detail

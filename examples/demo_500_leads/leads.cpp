// CSV reading and the name generator.
#include "leads.hpp"

#include <algorithm>
#include <fstream>
#include <unordered_map>

#include "name_data.hpp"
#include "random.hpp"

namespace demo {

CsvError::CsvError(std::string source, std::size_t line, const std::string& problem)
    : std::runtime_error(source + ":" + std::to_string(line) + ": " + problem), line_(line) {}

namespace {

/// Reads one CSV record; returns false at end of input. `line` is advanced past the record
/// and `start_line` set to where it began.
bool read_record(std::istream& in, const std::string& source, std::size_t& line, std::size_t& start_line,
                 std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool in_quotes = false;
  bool was_quoted = false;
  bool any = false;
  start_line = line + 1;
  int c;
  while ((c = in.get()) != std::char_traits<char>::eof()) {
    any = true;
    const char ch = static_cast<char>(c);
    if (in_quotes) {
      if (ch == '"') {
        if (in.peek() == '"') {
          in.get();
          field += '"';
        } else {
          in_quotes = false;
        }
      } else {
        if (ch == '\n') ++line;
        field += ch;
      }
      continue;
    }
    if (ch == '"') {
      if (!field.empty() || was_quoted) {
        throw CsvError(source, line + 1, "a quote inside an unquoted field (quote the whole field and double inner quotes)");
      }
      in_quotes = true;
      was_quoted = true;
    } else if (ch == ',') {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (ch == '\n') {
      ++line;
      fields.push_back(std::move(field));
      return true;
    } else if (ch == '\r' && in.peek() == '\n') {
      // CRLF: the \n ends the record.
    } else {
      if (was_quoted) throw CsvError(source, line + 1, "text after a closing quote");
      field += ch;
    }
  }
  if (in_quotes) throw CsvError(source, start_line, "unterminated quoted field");
  if (!any) return false;
  ++line;
  fields.push_back(std::move(field));
  return true;
}

bool blank(const std::vector<std::string>& fields) { return fields.size() == 1 && fields[0].empty(); }

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::vector<Lead> parse_leads_csv(std::istream& in, const std::string& source) {
  if (in.peek() == 0xEF) {  // UTF-8 byte order mark
    char bom[3];
    in.read(bom, 3);
    if (!(static_cast<unsigned char>(bom[1]) == 0xBB && static_cast<unsigned char>(bom[2]) == 0xBF)) {
      throw CsvError(source, 1, "not UTF-8 text");
    }
  }
  std::size_t line = 0;
  std::size_t start = 0;
  std::vector<std::string> fields;
  do {
    if (!read_record(in, source, line, start, fields)) throw CsvError(source, 1, "empty file; expected a header id,name");
  } while (blank(fields));
  std::size_t id_col = fields.size();
  std::size_t name_col = fields.size();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::string col = trim(fields[i]);
    if (col == "id") id_col = i;
    if (col == "name") name_col = i;
  }
  if (id_col == fields.size() || name_col == fields.size()) {
    throw CsvError(source, start, "the header needs the columns id and name");
  }
  const std::size_t columns = fields.size();
  std::vector<Lead> leads;
  std::unordered_map<std::string, std::size_t> seen;  // id -> line
  while (read_record(in, source, line, start, fields)) {
    if (blank(fields)) continue;
    if (fields.size() != columns) {
      throw CsvError(source, start, "expected " + std::to_string(columns) + " fields like the header, got " +
                                        std::to_string(fields.size()));
    }
    Lead lead{trim(fields[id_col]), trim(fields[name_col])};
    if (lead.id.empty()) throw CsvError(source, start, "empty id");
    if (lead.name.empty()) throw CsvError(source, start, "empty name for id " + lead.id);
    const auto [it, inserted] = seen.emplace(lead.id, start);
    if (!inserted) {
      throw CsvError(source, start, "duplicate id " + lead.id + " (first on line " + std::to_string(it->second) + ")");
    }
    leads.push_back(std::move(lead));
  }
  return leads;
}

std::vector<Lead> read_leads_csv(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw CsvError(file.string(), 0, "cannot open the file");
  return parse_leads_csv(in, file.string());
}

std::vector<Lead> generate_leads(std::size_t count, std::uint64_t seed) {
  static constexpr std::string_view company_forms[] = {" LOGISTICS (PTY) LTD", " TRANSPORT CC", " FREIGHT SERVICES",
                                                       " TRADING", " HOLDINGS (PTY) LTD", " COURIERS"};
  Rng rng(mix64(seed));
  const auto pools = name_pools();
  const auto pick_pool = [&]() -> const NamePool& {
    double u = rng.uniform();
    for (const NamePool& p : pools) {
      if (u < p.weight) return p;
      u -= p.weight;
    }
    return pools.front();
  };
  const auto pick = [&](std::span<const std::string_view> list) { return list[rng.below(list.size())]; };
  const std::size_t width = std::max<std::size_t>(4, std::to_string(count).size());
  std::vector<Lead> leads;
  leads.reserve(count);
  for (std::size_t i = 1; i <= count; ++i) {
    std::string id = std::to_string(i);
    id.insert(0, width - id.size(), '0');
    const NamePool& pool = pick_pool();
    std::string name;
    if (rng.uniform() < 0.7) {  // a person: mostly a given name of the same origin
      const NamePool& given_pool = rng.uniform() < 0.85 ? pool : pick_pool();
      name = std::string(pick(given_pool.given_names)) + " " + std::string(pick(pool.surnames));
    } else if (rng.uniform() < 0.25) {  // partners
      name = std::string(pick(pool.surnames)) + " & " + std::string(pick(pick_pool().surnames)) +
             std::string(company_forms[rng.below(std::size(company_forms))]);
    } else {
      name = std::string(pick(pool.surnames)) + std::string(company_forms[rng.below(std::size(company_forms))]);
    }
    leads.push_back(Lead{"lead-" + id, std::move(name)});
  }
  return leads;
}

}  // namespace demo

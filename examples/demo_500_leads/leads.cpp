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

LeadCsvReader::LeadCsvReader(std::istream& in, std::string source) : in_(in), source_(std::move(source)) {
  if (in_.peek() == 0xEF) {  // UTF-8 byte order mark
    char bom[3];
    in_.read(bom, 3);
    if (!(static_cast<unsigned char>(bom[1]) == 0xBB && static_cast<unsigned char>(bom[2]) == 0xBF)) {
      throw CsvError(source_, 1, "not UTF-8 text");
    }
  }
  do {
    if (!read_record(in_, source_, line_, start_, fields_)) {
      throw CsvError(source_, 1, "empty file; expected a header id,name");
    }
  } while (blank(fields_));
  columns_ = id_col_ = name_col_ = fields_.size();
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const std::string col = trim(fields_[i]);
    if (col == "id") id_col_ = i;
    if (col == "name") name_col_ = i;
  }
  if (id_col_ == columns_ || name_col_ == columns_) throw CsvError(source_, start_, "the header needs the columns id and name");
}

std::optional<Lead> LeadCsvReader::next() {
  while (read_record(in_, source_, line_, start_, fields_)) {
    if (blank(fields_)) continue;
    if (fields_.size() != columns_) {
      throw CsvError(source_, start_, "expected " + std::to_string(columns_) + " fields like the header, got " +
                                          std::to_string(fields_.size()));
    }
    Lead lead{trim(fields_[id_col_]), trim(fields_[name_col_])};
    if (lead.id.empty()) throw CsvError(source_, start_, "empty id");
    if (lead.name.empty()) throw CsvError(source_, start_, "empty name for id " + lead.id);
    return lead;
  }
  return std::nullopt;
}

std::vector<Lead> parse_leads_csv(std::istream& in, const std::string& source) {
  LeadCsvReader reader(in, source);
  std::vector<Lead> leads;
  std::unordered_map<std::string, std::size_t> seen;  // id -> line
  while (auto lead = reader.next()) {
    const auto [it, inserted] = seen.emplace(lead->id, reader.line());
    if (!inserted) {
      throw CsvError(source, reader.line(),
                     "duplicate id " + lead->id + " (first on line " + std::to_string(it->second) + ")");
    }
    leads.push_back(std::move(*lead));
  }
  return leads;
}

std::vector<Lead> read_leads_csv(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw CsvError(file.string(), 0, "cannot open the file");
  return parse_leads_csv(in, file.string());
}

namespace {

constexpr std::string_view kCompanyForms[] = {" LOGISTICS (PTY) LTD", " TRANSPORT CC", " FREIGHT SERVICES",
                                              " TRADING", " HOLDINGS (PTY) LTD", " COURIERS"};

}  // namespace

struct LeadGenerator::State {
  State(std::size_t n, std::uint64_t seed)
      : count(n), rng(mix64(seed)), repeats(mix64(seed ^ kRepeatStream)), pools(name_pools()),
        width(std::max<std::size_t>(4, std::to_string(n).size())) {}

  const NamePool& pick_pool() {
    double u = rng.uniform();
    for (const NamePool& p : pools) {
      if (u < p.weight) return p;
      u -= p.weight;
    }
    return pools.front();
  }
  std::string_view pick(std::span<const std::string_view> list) { return list[rng.below(list.size())]; }

  /// A recent name, as real lists repeat them (a business at several branches, a list imported
  /// twice), or `fresh` and remember it. Its own random stream: the other leads stay as they were.
  std::string repeat_or(std::string fresh) {
    if (!recent.empty() && repeats.uniform() < kRepeatShare) return recent[repeats.below(recent.size())];
    if (recent.size() < kRecentNames) {
      recent.push_back(fresh);
    } else {
      recent[made % kRecentNames] = fresh;
    }
    return fresh;
  }

  static constexpr std::uint64_t kRepeatStream = 0x5245504541544544ULL;
  static constexpr double kRepeatShare = 0.15;      ///< leads that repeat an earlier name
  static constexpr std::size_t kRecentNames = 256;  ///< how far back a repeat reaches

  std::size_t count;
  std::size_t made = 0;
  Rng rng;
  Rng repeats;
  decltype(name_pools()) pools;
  std::size_t width;
  std::vector<std::string> recent;
};

LeadGenerator::LeadGenerator(std::size_t count, std::uint64_t seed) : state_(std::make_unique<State>(count, seed)) {}
LeadGenerator::~LeadGenerator() = default;
LeadGenerator::LeadGenerator(LeadGenerator&&) noexcept = default;
LeadGenerator& LeadGenerator::operator=(LeadGenerator&&) noexcept = default;

std::optional<Lead> LeadGenerator::next() {
  State& g = *state_;
  if (g.made == g.count) return std::nullopt;
  std::string id = std::to_string(++g.made);
  id.insert(0, g.width - id.size(), '0');
  const NamePool& pool = g.pick_pool();
  std::string name;
  if (g.rng.uniform() < 0.7) {  // a person: mostly a given name of the same origin
    const NamePool& given_pool = g.rng.uniform() < 0.85 ? pool : g.pick_pool();
    name = std::string(g.pick(given_pool.given_names)) + " " + std::string(g.pick(pool.surnames));
  } else if (g.rng.uniform() < 0.25) {  // partners
    name = std::string(g.pick(pool.surnames)) + " & " + std::string(g.pick(g.pick_pool().surnames)) +
           std::string(kCompanyForms[g.rng.below(std::size(kCompanyForms))]);
  } else {
    name = std::string(g.pick(pool.surnames)) + std::string(kCompanyForms[g.rng.below(std::size(kCompanyForms))]);
  }
  return Lead{"lead-" + id, g.repeat_or(std::move(name))};
}

std::vector<Lead> generate_leads(std::size_t count, std::uint64_t seed) {
  LeadGenerator generator(count, seed);
  std::vector<Lead> leads;
  leads.reserve(count);
  while (auto lead = generator.next()) leads.push_back(std::move(*lead));
  return leads;
}

}  // namespace demo

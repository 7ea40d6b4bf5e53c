// The journal's record format: the header line, and encoding and parsing one record line.
#include "journal_record.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "json_string.hpp"

namespace leadscout::batch::detail {

namespace {

constexpr std::string_view kMagic = "leadscout.batch";
constexpr int kVersion = 1;

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::string to_hex(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[v & 15U];
    v >>= 4;
  }
  return out;
}

template <class T>
bool to_integer(std::string_view text, T& out) noexcept {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

/// A string member's text: a view into the line, or an unescaped copy kept in scratch.
std::string_view text_of(std::string_view raw, bool escaped, RecordScratch& scratch) {
  if (!escaped) return raw;
  if (scratch.used == scratch.strings.size()) scratch.strings.emplace_back();
  std::string& copy = scratch.strings[scratch.used++];
  copy = common::json_unescape(raw);
  return copy;
}

bool is_integer_token(std::string_view number) noexcept { return number.find_first_of(".eE") == std::string_view::npos; }

/// "attempts" or "duration_ms"; a value that is not a number is ignored.
void number_field(const common::JsonMember& m, std::string_view key, JournalRecord& r) {
  if (m.kind != common::JsonKind::number) return;
  if (key == "attempts") {
    std::int64_t a = 0;
    std::uint64_t u = 0;
    if (is_integer_token(m.value) && to_integer(m.value, a)) {
      r.attempts = static_cast<int>(a);
    } else if (is_integer_token(m.value) && to_integer(m.value, u)) {
      r.attempts = static_cast<int>(u);
    }
  } else {
    double d = 0.0;
    const auto res = std::from_chars(m.value.data(), m.value.data() + m.value.size(), d);
    r.duration_ms = res.ec == std::errc() ? d : 0.0;
  }
}

/// The "metrics" object's integer members, in order; other members are skipped.
void metrics_object(std::string_view object, RecordScratch& scratch) {
  scratch.metrics.clear();
  (void)common::scan_json_object(object, scratch.metric_members);  // validated with the whole line
  for (const auto& m : scratch.metric_members) {
    if (m.kind != common::JsonKind::number || !is_integer_token(m.value)) continue;
    std::int64_t v = 0;
    std::uint64_t u = 0;
    if (to_integer(m.value, v)) {
      scratch.metrics.emplace_back(text_of(m.key, m.key_escaped, scratch), v);
    } else if (to_integer(m.value, u)) {
      scratch.metrics.emplace_back(text_of(m.key, m.key_escaped, scratch), static_cast<std::int64_t>(u));
    }
  }
}

/// Adds the "tokens" (integers) or "spend_usd" (numbers) object's members to scratch.usage.
void usage_object(std::string_view object, bool tokens, RecordScratch& scratch) {
  (void)common::scan_json_object(object, scratch.metric_members);  // validated with the whole line
  for (const auto& m : scratch.metric_members) {
    if (m.kind != common::JsonKind::number) continue;
    const std::string_view name = text_of(m.key, m.key_escaped, scratch);
    Usage* entry = nullptr;
    for (auto& [n, u] : scratch.usage) {
      if (n == name) entry = &u;
    }
    if (entry == nullptr) entry = &scratch.usage.emplace_back(name, Usage{}).second;
    if (tokens) {
      std::int64_t v = 0;
      if (is_integer_token(m.value) && to_integer(m.value, v)) entry->tokens = v;
    } else {
      double d = 0.0;
      const auto res = std::from_chars(m.value.data(), m.value.data() + m.value.size(), d);
      if (res.ec == std::errc()) entry->cost_usd = d;
    }
  }
}

/// Appends `,"key":{"quota":number,...}` with one figure of each quota's usage.
template <class Figure>
void append_usage_object(std::string& out, std::string_view key, const UsageList& usage, Figure figure) {
  char buf[48];
  out += ",\"";
  out += key;
  out += "\":{";
  for (std::size_t i = 0; i < usage.size(); ++i) {
    if (i > 0) out += ',';
    common::append_json_string(out, usage[i].first);
    out += ':';
    // Shortest round-trip form: the resumed budget sees exactly what was charged.
    const auto r = std::to_chars(buf, buf + sizeof buf, figure(usage[i].second));
    out.append(buf, r.ptr);
  }
  out += '}';
}

void append_usage(std::string& out, const UsageList& usage) {
  if (usage.empty()) return;
  append_usage_object(out, "tokens", usage, [](const Usage& u) { return u.tokens; });
  append_usage_object(out, "spend_usd", usage, [](const Usage& u) { return u.cost_usd; });
}

}  // namespace

std::string format_header(const JournalHeader& h) {
  nlohmann::json j{{"journal", kMagic},          {"version", kVersion},         {"operation", h.operation},
                   {"fingerprint", h.fingerprint}, {"items", h.items},            {"created_at", h.created_at},
                   {"shard", h.shard ? nlohmann::json(std::to_string(h.shard->index) + "/" +
                                                      std::to_string(h.shard->count))
                                     : nlohmann::json(nullptr)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string header_mismatch(std::string_view line, const JournalHeader& expected, const std::string& path) {
  const auto h = nlohmann::json::parse(line, nullptr, false);
  if (h.is_discarded() || !h.is_object() || h.value("journal", "") != kMagic) {
    return "journal " + path + " does not start with a leadscout.batch header; pass fresh = true to start it over";
  }
  if (h.value("fingerprint", "") != expected.fingerprint) {
    return "journal " + path + " was written for a different input (" +
           std::to_string(h.value("items", std::uint64_t{0})) + " items, fingerprint " + h.value("fingerprint", "") +
           "; this input: " + std::to_string(expected.items) + " items, fingerprint " + expected.fingerprint +
           "); pass fresh = true to start over, or use another operation name";
  }
  return {};
}

bool parse_record(std::string_view line, JournalRecord& r, RecordScratch& scratch) {
  scratch.used = 0;
  scratch.metrics.clear();
  scratch.usage.clear();
  r = JournalRecord{};
  if (common::scan_json_object(line, scratch.members) != common::JsonScanError::none) return false;
  bool has_id = false, has_status = false, has_result = false, has_error = false, has_metrics = false;
  bool has_items = false, has_fingerprint = false, has_note = false;
  // Duplicate keys: the last one counts, as in nlohmann::json.
  for (const auto& m : scratch.members) {
    const std::string_view key = text_of(m.key, m.key_escaped, scratch);
    const bool is_string = m.kind == common::JsonKind::string;
    if (key == "id" || key == "status" || key == "error") {
      const std::string_view v = is_string ? text_of(m.value, m.value_escaped, scratch) : std::string_view();
      if (key == "id") {
        has_id = is_string;
        r.id = v;
      } else if (key == "status") {
        has_status = is_string && (v == "ok" || v == "failed" || v == "attempt" || v == "input" || v == "note");
        r.ok = v == "ok";
        r.note = v == "note";
        r.partial = v == "attempt";
        r.input = v == "input";
      } else {
        has_error = is_string;
        r.error = v;
      }
    } else if (key == "attempts" || key == "duration_ms") {
      number_field(m, key, r);
    } else if (key == "items") {
      has_items = m.kind == common::JsonKind::number && to_integer(m.value, r.input_items);
    } else if (key == "fingerprint") {
      has_fingerprint = is_string;
      r.fingerprint = is_string ? text_of(m.value, m.value_escaped, scratch) : std::string_view();
    } else if (key == "note") {
      has_note = is_string;
      r.note_text = is_string ? text_of(m.value, m.value_escaped, scratch) : std::string_view();
    } else if (key == "end") {
      r.input_end = m.kind == common::JsonKind::boolean && m.value == "true";
    } else if (key == "result") {
      // A string's member text lies between its quotes; the result keeps them.
      r.result = is_string ? std::string_view(m.value.data() - 1, m.value.size() + 2) : m.value;
      has_result = true;
    } else if ((key == "tokens" || key == "spend_usd") && m.kind == common::JsonKind::object) {
      usage_object(m.value, key == "tokens", scratch);
    } else if (key == "metrics") {
      has_metrics = m.kind == common::JsonKind::object;
      if (has_metrics) {
        metrics_object(m.value, scratch);
      } else {
        scratch.metrics.clear();
      }
    }
  }
  if (has_status && r.note) {
    r.usage = {};
    return has_note;
  }
  r.note_text = {};
  if (has_status && r.input) {
    if (!has_items || !has_fingerprint) return false;
    r.usage = {};
    return true;
  }
  r.input_items = 0;
  r.fingerprint = {};
  r.input_end = false;
  if (!has_id || !has_status) return false;
  if (r.ok && !has_result) return false;
  if (r.ok || !has_error) r.error = {};
  if (!r.ok) r.result = {};
  if (has_metrics) r.metrics = scratch.metrics;
  r.usage = scratch.usage;
  return true;
}

void Fingerprint::add(std::string_view id) noexcept { add_hash(stable_hash(id)); }

void Fingerprint::add_hash(std::uint64_t id_hash) noexcept {
  sum_ += mix(id_hash);
  ++count_;
}

std::string Fingerprint::hex() const { return to_hex(mix(sum_ ^ mix(count_))); }

void format_record(std::string& out, std::string_view id, bool ok, int attempts, double duration_ms,
                   std::string_view result_json, std::string_view error,
                   const std::vector<std::pair<std::string, std::int64_t>>& metrics, const UsageList& usage) {
  char buf[48];
  out += "{\"id\":";
  common::append_json_string(out, id);
  out += ok ? ",\"status\":\"ok\",\"attempts\":" : ",\"status\":\"failed\",\"attempts\":";
  auto r = std::to_chars(buf, buf + sizeof buf, attempts);
  out.append(buf, r.ptr);
  out += ",\"duration_ms\":";
  r = std::to_chars(buf, buf + sizeof buf, duration_ms, std::chars_format::fixed, 3);
  out.append(buf, r.ptr);
  if (ok) {
    out += ",\"result\":";
    out += result_json;
  } else {
    out += ",\"error\":";
    common::append_json_string(out, error);
  }
  if (!metrics.empty()) {
    out += ",\"metrics\":{";
    bool first = true;
    for (const auto& [name, value] : metrics) {
      if (!first) out += ',';
      first = false;
      common::append_json_string(out, name);
      out += ':';
      r = std::to_chars(buf, buf + sizeof buf, value);
      out.append(buf, r.ptr);
    }
    out += '}';
  }
  append_usage(out, usage);
  out += "}\n";
}

void format_input_record(std::string& out, std::uint64_t items, std::string_view fingerprint, bool end) {
  char buf[24];
  out += "{\"status\":\"input\",\"items\":";
  const auto r = std::to_chars(buf, buf + sizeof buf, items);
  out.append(buf, r.ptr);
  out += ",\"fingerprint\":";
  common::append_json_string(out, fingerprint);
  out += end ? ",\"end\":true}\n" : "}\n";
}

void format_note_record(std::string& out, std::string_view text) {
  out += "{\"status\":\"note\",\"note\":";
  common::append_json_string(out, text);
  out += "}\n";
}

void format_attempt_record(std::string& out, std::string_view id, int attempts, const UsageList& usage) {
  char buf[16];
  out += "{\"id\":";
  common::append_json_string(out, id);
  out += ",\"status\":\"attempt\",\"attempts\":";
  const auto r = std::to_chars(buf, buf + sizeof buf, attempts);
  out.append(buf, r.ptr);
  append_usage(out, usage);
  out += "}\n";
}

}  // namespace leadscout::batch::detail

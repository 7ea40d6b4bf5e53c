// The journal's record format: the header line, and encoding and parsing one record line.
#include "journal_record.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

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

/// "attempts" or "duration_ms": a number is read into `r`, any other value is skipped.
bool number_field(JsonScanner& in, std::string_view key, JournalRecord& r) {
  std::string_view num;
  bool integer = false;
  if (!in.number_ahead()) return in.value();
  if (!in.number(num, integer)) return false;
  if (key == "attempts") {
    std::int64_t a = 0;
    std::uint64_t u = 0;
    if (integer && to_integer(num, a)) {
      r.attempts = static_cast<int>(a);
    } else if (integer && to_integer(num, u)) {
      r.attempts = static_cast<int>(u);
    }
  } else {
    double d = 0.0;
    const auto res = std::from_chars(num.data(), num.data() + num.size(), d);
    r.duration_ms = res.ec == std::errc() ? d : 0.0;
  }
  return true;
}

/// The "metrics" object: its integer members, in order; other members are validated and skipped.
bool metrics_object(JsonScanner& in, std::vector<std::pair<std::string_view, std::int64_t>>& metrics) {
  metrics.clear();
  (void)in.consume('{');
  if (in.consume('}')) return true;
  for (;;) {
    std::string_view name;
    if (!in.string(name) || !in.consume(':')) return false;
    in.ws();
    std::string_view num;
    bool integer = false;
    if (in.number_ahead()) {
      if (!in.number(num, integer)) return false;
      std::int64_t v = 0;
      std::uint64_t u = 0;
      if (integer && to_integer(num, v)) {
        metrics.emplace_back(name, v);
      } else if (integer && to_integer(num, u)) {
        metrics.emplace_back(name, static_cast<std::int64_t>(u));
      }
    } else if (!in.value()) {
      return false;
    }
    if (in.consume(',')) continue;
    return in.consume('}');
  }
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
  r = JournalRecord{};
  JsonScanner in(line, scratch);
  if (!in.consume('{')) return false;
  bool has_id = false;
  bool has_status = false;
  bool has_result = false;
  bool has_error = false;
  bool has_metrics = false;
  if (!in.consume('}')) {
    for (;;) {
      std::string_view key;
      if (!in.string(key) || !in.consume(':')) return false;
      in.ws();
      // Duplicate keys: the last one counts, as in nlohmann::json.
      if (key == "id" || key == "status" || key == "error") {
        std::string_view v;
        bool is_string = false;
        if (in.peek('"')) {
          if (!in.string(v)) return false;
          is_string = true;
        } else if (!in.value()) {
          return false;
        }
        if (key == "id") {
          has_id = is_string;
          r.id = v;
        } else if (key == "status") {
          has_status = is_string && (v == "ok" || v == "failed");
          r.ok = v == "ok";
        } else {
          has_error = is_string;
          r.error = v;
        }
      } else if (key == "attempts" || key == "duration_ms") {
        if (!number_field(in, key, r)) return false;
      } else if (key == "result") {
        if (!in.value(&r.result)) return false;
        has_result = true;
      } else if (key == "metrics" && in.peek('{')) {
        has_metrics = true;
        if (!metrics_object(in, scratch.metrics)) return false;
      } else {
        if (key == "metrics") {
          has_metrics = false;
          scratch.metrics.clear();
        }
        if (!in.value()) return false;
      }
      if (in.consume(',')) continue;
      if (!in.consume('}')) return false;
      break;
    }
  }
  if (!in.at_end()) return false;
  if (!has_id || !has_status) return false;
  if (r.ok && !has_result) return false;
  if (r.ok || !has_error) r.error = {};
  if (!r.ok) r.result = {};
  if (has_metrics) r.metrics = scratch.metrics;
  return true;
}

void Fingerprint::add(std::string_view id) noexcept { add_hash(stable_hash(id)); }

void Fingerprint::add_hash(std::uint64_t id_hash) noexcept {
  sum_ += mix(id_hash);
  ++count_;
}

std::string Fingerprint::hex() const { return to_hex(mix(sum_ ^ mix(count_))); }

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      out += static_cast<char>(c);
      ++p;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          out += "\\u00";
          out += digits[c >> 4];
          out += digits[c & 15U];
      }
      ++p;
      continue;
    }
    // Multi-byte UTF-8: copy a valid sequence, replace anything else with U+FFFD.
    int len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1FU;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0FU;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07U;
    }
    bool valid = len > 0 && end - p >= len;
    for (int i = 1; valid && i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) {
        valid = false;
      } else {
        cp = (cp << 6) | (p[i] & 0x3FU);
      }
    }
    if (valid) {
      valid = !((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF));
    }
    if (valid) {
      out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(len));
      p += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++p;
    }
  }
  out += '"';
}

void format_record(std::string& out, std::string_view id, bool ok, int attempts, double duration_ms,
                   std::string_view result_json, std::string_view error,
                   const std::vector<std::pair<std::string, std::int64_t>>& metrics) {
  char buf[48];
  out += "{\"id\":";
  append_json_string(out, id);
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
    append_json_string(out, error);
  }
  if (!metrics.empty()) {
    out += ",\"metrics\":{";
    bool first = true;
    for (const auto& [name, value] : metrics) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, name);
      out += ':';
      r = std::to_chars(buf, buf + sizeof buf, value);
      out.append(buf, r.ptr);
    }
    out += '}';
  }
  out += "}\n";
}

}  // namespace leadscout::batch::detail

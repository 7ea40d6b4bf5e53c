// Parsers of the rate-limit headers of OpenAI and Anthropic, and of retry-after.
#include "rate_limit_headers.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "rate_limit_header_names.hpp"
#include "strings.hpp"

namespace leadscout::batch::detail {

namespace {

using sys_time = std::chrono::system_clock::time_point;
namespace names = common::rate_limit_header;

// Longer delays than this (about 31 years) are taken for garbage rather than a limit's reset.
constexpr double max_seconds = 1e9;

/// Reads a value left to right; every read either consumes what it matched or fails.
class Scanner {
 public:
  explicit Scanner(std::string_view text) noexcept : s_(text) {}
  [[nodiscard]] bool done() const noexcept { return s_.empty(); }
  [[nodiscard]] char peek() const noexcept { return s_.empty() ? '\0' : s_.front(); }
  bool literal(std::string_view word) noexcept {
    if (!s_.starts_with(word)) return false;
    s_.remove_prefix(word.size());
    return true;
  }
  /// Exactly `n` digits as a number.
  bool fixed(std::size_t n, int& out) noexcept {
    if (s_.size() < n) return false;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (s_[i] < '0' || s_[i] > '9') return false;
      v = v * 10 + (s_[i] - '0');
    }
    s_.remove_prefix(n);
    out = v;
    return true;
  }
  /// digits[.digits], no sign and no exponent.
  bool decimal(double& out) noexcept {
    std::size_t i = 0;
    double v = 0.0;
    while (i < s_.size() && s_[i] >= '0' && s_[i] <= '9') v = v * 10.0 + (s_[i++] - '0');
    if (i == 0) return false;
    if (i < s_.size() && s_[i] == '.') {
      const std::size_t start = ++i;
      double scale = 0.1;
      for (; i < s_.size() && s_[i] >= '0' && s_[i] <= '9'; ++i, scale /= 10.0) v += (s_[i] - '0') * scale;
      if (i == start) return false;
    }
    s_.remove_prefix(i);
    out = v;
    return std::isfinite(v);
  }
  /// A fraction of a second after the '.', any number of digits.
  void fraction(double& out) noexcept {
    if (!literal(".")) return;
    double scale = 0.1;
    while (!s_.empty() && s_.front() >= '0' && s_.front() <= '9') {
      out += (s_.front() - '0') * scale;
      scale /= 10.0;
      s_.remove_prefix(1);
    }
  }

 private:
  std::string_view s_;
};

std::optional<Clock::duration> to_duration(double seconds) noexcept {
  if (!std::isfinite(seconds) || seconds < 0.0 || seconds > max_seconds) return std::nullopt;
  return std::chrono::round<Clock::duration>(std::chrono::duration<double>(seconds));
}

std::optional<Clock::duration> until(sys_time t, sys_time now) noexcept {
  if (t <= now) return Clock::duration::zero();
  return to_duration(std::chrono::duration<double>(t - now).count());
}

std::optional<sys_time> make_time(int y, int mo, int d, int h, int mi, int s, double frac, int offset_minutes) noexcept {
  using namespace std::chrono;
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  // system_clock counts nanoseconds in 64 bits: years past 2262 would overflow it.
  if (!date.ok() || y < 1900 || y > 2200 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  const auto whole = sys_days(date) + hours(h) + minutes(mi) + seconds(s) - minutes(offset_minutes);
  return time_point_cast<system_clock::duration>(whole) +
         duration_cast<system_clock::duration>(duration<double>(frac));
}

std::optional<double> parse_count(std::string_view text) noexcept {
  Scanner in(text);
  double v = 0.0;
  if (!in.decimal(v) || !in.done()) return std::nullopt;
  return v;
}

/// Which dimension a header name's part names, or nullptr.
LimitHeaders* dimension(RateLimitHeaders& out, std::string_view name) noexcept {
  if (name == names::kRequests) return &out.requests;
  if (name == names::kTokens) return &out.tokens;
  if (name == names::kInputTokens) return &out.input_tokens;
  if (name == names::kOutputTokens) return &out.output_tokens;
  return nullptr;
}

/// Stores one field's value; false when the value is malformed.
bool store(LimitHeaders& dim, std::string_view field, std::string_view value, bool rfc3339_reset,
           sys_time now) noexcept {
  if (field == names::kLimit || field == names::kRemaining) {
    const auto v = parse_count(value);
    if (!v) return false;
    (field == names::kLimit ? dim.limit : dim.remaining) = v;
    return true;
  }
  if (rfc3339_reset) {
    const auto t = parse_rfc3339(value);
    const auto d = t ? until(*t, now) : std::nullopt;
    if (d) dim.reset = d;
    return d.has_value();
  }
  const auto d = parse_go_duration(value);
  if (d) dim.reset = d;
  return d.has_value();
}

std::optional<Clock::duration> parse_retry_after(std::string_view value, sys_time now) noexcept {
  if (const auto seconds = parse_count(value)) return to_duration(*seconds);
  if (const auto t = parse_http_date(value)) return until(*t, now);
  return std::nullopt;
}

/// Applies one header; false when it is one of ours with a malformed value.
bool apply(RateLimitHeaders& out, std::string_view name, std::string_view value, sys_time now) noexcept {
  constexpr std::string_view openai = names::kOpenAiPrefix;
  constexpr std::string_view anthropic = names::kAnthropicPrefix;
  if (name == names::kRetryAfter || name == names::kRetryAfterMs) {
    std::optional<Clock::duration> d;
    if (name == names::kRetryAfter) {
      d = parse_retry_after(value, now);
    } else if (const auto ms = parse_count(value)) {
      d = to_duration(*ms / 1000.0);
    }
    if (d) out.retry_after = d;
    return d.has_value();
  }
  if (name.starts_with(openai)) {  // x-ratelimit-<field>-<dimension>
    name.remove_prefix(openai.size());
    const auto dash = name.find('-');
    if (dash == std::string_view::npos) return true;
    const auto field = name.substr(0, dash);
    LimitHeaders* dim = dimension(out, name.substr(dash + 1));
    if (dim == nullptr || (field != names::kLimit && field != names::kRemaining && field != names::kReset)) return true;
    return store(*dim, field, value, false, now);
  }
  if (name.starts_with(anthropic)) {  // anthropic-ratelimit-<dimension>-<field>
    name.remove_prefix(anthropic.size());
    const auto dash = name.rfind('-');
    if (dash == std::string_view::npos) return true;
    const auto field = name.substr(dash + 1);
    LimitHeaders* dim = dimension(out, name.substr(0, dash));
    if (dim == nullptr || (field != names::kLimit && field != names::kRemaining && field != names::kReset)) return true;
    return store(*dim, field, value, true, now);
  }
  return true;
}

}  // namespace

std::optional<Clock::duration> parse_go_duration(std::string_view text) noexcept {
  Scanner in(text);
  if (in.done()) return std::nullopt;
  double seconds = 0.0;
  while (!in.done()) {
    double v = 0.0;
    if (!in.decimal(v)) return std::nullopt;
    // "ms" before "m", "us"/"µs" before "s": the longest unit that matches.
    if (in.literal("h")) {
      seconds += v * 3600.0;
    } else if (in.literal("ms")) {
      seconds += v / 1e3;
    } else if (in.literal("m")) {
      seconds += v * 60.0;
    } else if (in.literal("s")) {
      seconds += v;
    } else if (in.literal("us") || in.literal("\xC2\xB5s")) {
      seconds += v / 1e6;
    } else if (in.literal("ns")) {
      seconds += v / 1e9;
    } else {
      return std::nullopt;
    }
  }
  return to_duration(seconds);
}

std::optional<sys_time> parse_rfc3339(std::string_view text) noexcept {
  Scanner in(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!in.fixed(4, y) || !in.literal("-") || !in.fixed(2, mo) || !in.literal("-") || !in.fixed(2, d)) return {};
  if (!in.literal("T") && !in.literal("t") && !in.literal(" ")) return {};
  if (!in.fixed(2, h) || !in.literal(":") || !in.fixed(2, mi) || !in.literal(":") || !in.fixed(2, s)) return {};
  double frac = 0.0;
  in.fraction(frac);
  int offset = 0;
  if (!in.literal("Z") && !in.literal("z")) {
    const int sign = in.literal("+") ? 1 : in.literal("-") ? -1 : 0;
    int oh = 0, om = 0;
    if (sign == 0 || !in.fixed(2, oh) || !in.literal(":") || !in.fixed(2, om) || oh > 23 || om > 59) return {};
    offset = sign * (oh * 60 + om);
  }
  if (!in.done()) return {};
  return make_time(y, mo, d, h, mi, s, frac, offset);
}

std::optional<sys_time> parse_http_date(std::string_view text) noexcept {
  static constexpr std::array<std::string_view, 7> days{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Scanner in(text);
  bool day_name = false;
  for (const auto name : days) day_name = day_name || in.literal(name);
  int d = 0, mo = 0, y = 0, h = 0, mi = 0, s = 0;
  if (!day_name || !in.literal(", ") || !in.fixed(2, d) || !in.literal(" ")) return {};
  for (std::size_t i = 0; i < months.size() && mo == 0; ++i) {
    if (in.literal(months[i])) mo = static_cast<int>(i) + 1;
  }
  if (mo == 0 || !in.literal(" ") || !in.fixed(4, y) || !in.literal(" ") || !in.fixed(2, h) || !in.literal(":") ||
      !in.fixed(2, mi) || !in.literal(":") || !in.fixed(2, s) || !in.literal(" GMT") || !in.done()) {
    return {};
  }
  return make_time(y, mo, d, h, mi, s, 0.0, 0);
}

RateLimitHeaders parse_rate_limit_headers(HeaderList headers, sys_time now) noexcept {
  RateLimitHeaders out;
  for (const auto& [raw_name, value] : headers) {
    // Our names are short: anything longer is someone else's header.
    std::array<char, 48> lower{};
    if (raw_name.size() > lower.size()) continue;
    for (std::size_t i = 0; i < raw_name.size(); ++i) {
      const char c = raw_name[i];
      lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (!apply(out, std::string_view(lower.data(), raw_name.size()), common::trim_blanks(value), now)) ++out.malformed;
  }
  return out;
}

}  // namespace leadscout::batch::detail

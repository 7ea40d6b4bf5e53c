// Rendering decoded events as JSON lines or console lines.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "front/encoding.hpp"
#include "leadscout/log/config.hpp"
#include "leadscout/log/level.hpp"

namespace leadscout::log::detail {

/// Decides which keys hold secrets: api_key, apikey, authorization, password, secret, token
/// and the configured extras, case-insensitively, also as a suffix ("openai_api_key",
/// "x-api-key", "access_token"), but not as a prefix ("token_count" stays readable).
class Redactor {
 public:
  explicit Redactor(const std::vector<std::string>& extra_keys = {});
  [[nodiscard]] bool is_secret(std::string_view key) const noexcept;

 private:
  std::vector<std::string> names_;  // lowercase, '-' folded to '_'
};

/// Appends the source location as a JSON object: {"file":...,"line":...,"function":...}.
void append_source(std::string& out, const SourceView& where);

/// Everything about an event that is rendered.
struct EventView {
  std::chrono::system_clock::time_point time;
  Level level = Level::info;
  std::string_view logger;
  const DecodedEvent* decoded = nullptr;
};

class Renderer {
 public:
  Renderer(std::size_t max_line, TimeZone time_zone, Redactor redactor);

  /// Renders one JSON object and a newline into out (cleared first); never more than
  /// max_line bytes: the longest values are cut with a "...[truncated N bytes]" marker.
  void json(std::string& out, const EventView& ev);

  /// Renders "2025-07-06T10:30:15Z INFO event key=value ..." and a newline into out.
  void console(std::string& out, const EventView& ev, bool color);

  [[nodiscard]] TimeZone time_zone() const noexcept { return time_zone_; }

  /// "YYYY-MM-DD" of t in the configured time zone.
  [[nodiscard]] std::string date_of(std::chrono::system_clock::time_point t) const;

 private:
  struct Slot {
    std::size_t field;  // index into DecodedEvent::fields of the value that wins
    bool reserved;      // key collides with a top-level key and is written as "_key"
  };
  void collect_slots(const DecodedEvent& ev);
  void append_value(std::string& out, const DecodedField& f, bool console) const;
  void append_nested(std::string& out, const DecodedField& f) const;
  void append_timestamp(std::string& out, std::chrono::system_clock::time_point t, bool micros);
  void truncate_to_fit(std::string& out, const EventView& ev);

  std::size_t max_line_;
  TimeZone time_zone_;
  Redactor redactor_;
  std::vector<Slot> slots_;
  // Cache of the formatted second, so most events skip gmtime/localtime.
  std::int64_t cached_second_ = -1;
  std::string cached_prefix_;  // "YYYY-MM-DDTHH:MM:SS" of cached_second_
  std::string cached_offset_;  // "Z" or "+HH:MM"
};

}  // namespace leadscout::log::detail

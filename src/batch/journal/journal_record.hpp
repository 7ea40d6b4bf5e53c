// The journal's record format: the header line, and the encoding and parsing of one record line.
//
//   {"journal":"leadscout.batch","version":1,"operation":"demo","fingerprint":"…","items":500,"created_at":"…"}
//   {"id":"lead-1","status":"ok","attempts":1,"duration_ms":1840.2,"result":{…}}
//   {"id":"lead-2","status":"failed","attempts":3,"duration_ms":30000.0,"error":"timeout"}
//   {"id":"lead-3","status":"attempt","attempts":1,"tokens":{"openai":700},"spend_usd":{"openai":0.0004}}
//   {"status":"input","items":1024,"fingerprint":"…"}
//   {"status":"note","note":"{\"batch\":\"batch_1\",…}"}
//
// An "attempt" record is an attempt that did not finish its item (retried, stopped, timed out)
// but charged a quota: it carries only that usage, so the budget of a resumed run counts it.
// An "input" record (a streamed input only) is a checkpoint: the fingerprint of the first
// `items` ids of the input, with "end":true when the input ended there. A resumed run checks
// its input against them without holding it. A "note" record is a deferred executor's own
// state (a provider's batch id): JSON text the engine keeps and hands back on resume.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json_scan.hpp"
#include "leadscout/batch/quota.hpp"
#include "leadscout/batch/shard.hpp"
#include "usage_ledger.hpp"

namespace leadscout::batch::detail {

/// The first line of a journal.
struct JournalHeader {
  std::string operation;
  std::string fingerprint;  ///< of the input ids (input_fingerprint)
  std::uint64_t items = 0;
  std::string created_at;
  std::optional<ShardSpec> shard;
};

/// One finished item, as read back. The views are valid only during the on_record call.
struct JournalRecord {
  std::string_view id;
  bool ok = false;
  bool partial = false;  ///< an "attempt" record: usage only, the item is not finished
  bool input = false;    ///< an "input" checkpoint: only the three fields below are set
  std::uint64_t input_items = 0;
  std::string_view fingerprint;
  bool input_end = false;
  bool note = false;          ///< a "note" record: only `note_text` is set
  std::string_view note_text;
  int attempts = 0;
  double duration_ms = 0.0;
  std::string_view result;  ///< when ok: the result's JSON text, unparsed (validated)
  std::string_view error;   ///< when failed
  /// The integer counters of the record's "metrics" object.
  std::span<const std::pair<std::string_view, std::int64_t>> metrics;
  /// What the item's attempt charged, by quota name.
  std::span<const std::pair<std::string_view, Usage>> usage;
};

/// Parses one record line (without its newline) the way a JSON parser would judge it: false
/// for anything that is not a complete, valid JSON object with a string id and an "ok" or
/// "failed" status (and a result when ok), an "attempt" record, or an "input" checkpoint. `scratch` holds unescaped
/// strings and counters.
struct RecordScratch {
  std::vector<common::JsonMember> members, metric_members;
  std::vector<std::pair<std::string_view, Usage>> usage;
  std::deque<std::string> strings;  ///< unescaped copies; a deque keeps earlier views valid
  std::size_t used = 0;             ///< strings in use by the current line
  std::vector<std::pair<std::string_view, std::int64_t>> metrics;
};
[[nodiscard]] bool parse_record(std::string_view line, JournalRecord& record, RecordScratch& scratch);

/// Appends a "note" line (with '\n') carrying `text`.
void format_note_record(std::string& out, std::string_view text);

/// Appends an "input" checkpoint line (with '\n').
void format_input_record(std::string& out, std::uint64_t items, std::string_view fingerprint, bool end);

/// The header line (with '\n') of a journal.
[[nodiscard]] std::string format_header(const JournalHeader& header);
/// Checks the first line of the journal at `path` against the header this run would write;
/// returns what is wrong, or "" when the journal belongs to this input.
[[nodiscard]] std::string header_mismatch(std::string_view line, const JournalHeader& expected,
                                          const std::string& path);

/// Order-independent fingerprint of a set of ids: add() each id, then hex().
class Fingerprint {
 public:
  void add(std::string_view id) noexcept;
  /// add() for an id whose stable_hash() is already known.
  void add_hash(std::uint64_t id_hash) noexcept;
  [[nodiscard]] std::string hex() const;

 private:
  std::uint64_t sum_ = 0;
  std::uint64_t count_ = 0;
};

/// Appends one record line (with '\n') to `out`; `result_json` is already-serialized JSON.
void format_record(std::string& out, std::string_view id, bool ok, int attempts, double duration_ms,
                   std::string_view result_json, std::string_view error,
                   const std::vector<std::pair<std::string, std::int64_t>>& metrics, const UsageList& usage = {});
/// Appends an "attempt" record (with '\n'): attempt `attempts` of `id` charged `usage`.
void format_attempt_record(std::string& out, std::string_view id, int attempts, const UsageList& usage);

}  // namespace leadscout::batch::detail

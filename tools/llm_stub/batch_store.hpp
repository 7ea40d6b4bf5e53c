// The batches of one API: their timeline (validating, in progress, finalizing, ended), which rows
// finish, and their results, answered by the same logic as an online call. Not thread-safe: each
// API's front (openai_batches, anthropic_batches) guards its store with a mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol.hpp"

namespace leadscout::llm_stub {

using TimePoint = std::chrono::system_clock::time_point;
/// The stub's wall clock; tests inject one so that batches advance without sleeping.
using WallClock = std::function<TimePoint()>;

/// How the batch APIs behave.
struct BatchOptions {
  /// From creation to the end: validating for the first tenth, finalizing for the last tenth.
  /// Zero: a batch has ended when it is created.
  std::chrono::milliseconds duration{0};
  double expire_rate = 0.0;  ///< share of batches that expire, decided by the seed and the batch
  std::int64_t openai_max_file_bytes = 200LL * 1024 * 1024;
  std::int64_t openai_max_requests = 50'000;
  std::int64_t anthropic_max_bytes = 256LL * 1024 * 1024;
  std::int64_t anthropic_max_requests = 100'000;
};

/// One request of a batch: its custom_id and the chat request body.
struct BatchRequest {
  std::string custom_id;
  std::string body;
};

/// What became of one request.
struct RowResult {
  enum class Kind { answered, failed, expired, cancelled };
  Kind kind = Kind::expired;
  int status = 0;          ///< answered and failed: the online call's HTTP status
  std::string body;        ///< answered and failed: the online call's body
  std::string request_id;  ///< answered and failed
};

/// Where a batch stands; each API names these its own way.
enum class Phase { validating, in_progress, finalizing, cancelling, ended };
/// How a batch ends (or will).
enum class Ending { completed, expired, cancelled, failed };

/// One batch and what its API keeps of it.
struct Batch {
  std::string id;
  std::uint64_t serial = 0;  ///< 1 for a store's first batch
  TimePoint created;
  std::vector<BatchRequest> requests;
  std::vector<RowResult> results;  ///< once processed, one per request, in order
  bool processed = false;
  bool expires = false;
  bool failed = false;  ///< refused at validation; `errors` says why
  std::optional<TimePoint> cancel_requested;
  // OpenAI's own fields.
  std::string input_file_id;
  std::string output_file_id;
  std::string error_file_id;
  nlohmann::json metadata;  ///< null or an object of strings
  nlohmann::json errors;    ///< null or a list of {code, message, line}
};

/// When a batch enters each phase.
struct Timeline {
  TimePoint in_progress;
  TimePoint finalizing;  ///< of a batch that completes
  TimePoint ended;
};

/// Counts of a batch's results.
struct RowCounts {
  std::int64_t answered = 0;
  std::int64_t failed = 0;
  std::int64_t expired = 0;
  std::int64_t cancelled = 0;
};

/// The batches of one API, newest last.
class BatchStore {
 public:
  /// Answers one request body as the online endpoint would (answered or failed).
  using Answer = std::function<RowResult(std::string_view body)>;

  BatchStore(std::string id_prefix, std::uint64_t seed, BatchOptions options, Answer answer);

  /// A new batch created at `now`; `duplicates` is set to how many of its custom_ids were in an
  /// earlier batch of this store.
  Batch& create(std::vector<BatchRequest> requests, TimePoint now, std::int64_t& duplicates);
  /// A batch refused at validation, created at `now` and ended at once.
  Batch& create_failed(nlohmann::json errors, TimePoint now);
  [[nodiscard]] Batch* find(std::string_view id);
  /// Newest first, the batches after `after` (empty: from the newest), at most `limit`.
  [[nodiscard]] std::vector<Batch*> list(std::string_view after, std::size_t limit, bool& has_more);

  [[nodiscard]] Timeline timeline(const Batch& b) const;
  [[nodiscard]] Phase phase(const Batch& b, TimePoint now) const;
  [[nodiscard]] static Ending ending(const Batch& b);
  /// Answers the rows that finish once the batch is finalizing or has ended; true the first time.
  bool advance(Batch& b, TimePoint now);
  /// Asks to cancel a validating or in-progress batch; false in any other phase.
  bool cancel(Batch& b, TimePoint now);
  [[nodiscard]] static RowCounts counts(const Batch& b);

  /// A new id: the prefix and 24 characters, unique in this store.
  [[nodiscard]] std::string new_id(std::string_view prefix);
  [[nodiscard]] const BatchOptions& options() const noexcept { return options_; }

 private:
  /// How many of the batch's rows (the first ones) finish.
  [[nodiscard]] std::size_t finishing_rows(const Batch& b) const;

  std::string id_prefix_;
  std::uint64_t seed_;
  BatchOptions options_;
  Answer answer_;
  std::uint64_t ids_ = 0;
  std::deque<Batch> batches_;  ///< a deque: references stay valid as batches are added
  std::map<std::string, std::size_t, std::less<>> index_;
  std::set<std::string, std::less<>> seen_custom_ids_;
};

/// Unix seconds of `t`.
[[nodiscard]] std::int64_t unix_seconds(TimePoint t) noexcept;

}  // namespace leadscout::llm_stub

// What the provider saw, for GET /stats.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace leadscout::llm_stub {

/// Counts of the calls served. Thread-safe.
class Stats {
 public:
  /// What a call came to, besides an answer.
  enum class Event : std::size_t { request, unauthorized, bad_request, rate_limited, error, hung };

  void count(Event event);
  /// A call for `name` reached `provider`'s model; returns how many calls for the name that
  /// provider has had (1 for the first), the attempt number of its plan.
  [[nodiscard]] int call(std::string_view provider, const std::string& name);
  /// A 200 for `name` that charged `tokens`.
  void answered(const std::string& name, std::int64_t tokens);
  /// A batch of `provider` was created with `rows` requests, `duplicate_rows` of whose custom_ids
  /// were in an earlier batch of that provider.
  void batch_created(std::string_view provider, std::int64_t rows, std::int64_t duplicate_rows);

  /// {"requests":…,"answered":…,"rate_limited":…,"unauthorized":…,"bad_requests":…,
  /// "errors":…,"hung":…,"tokens":…,"batches_created":…,"batch_rows":…,"batch_duplicate_rows":…,
  /// "calls_by_name":{…},"answered_by_name":{…},"batches_by_provider":{"openai":{"created","rows",
  /// "duplicate_rows"},"anthropic":{…}}}
  [[nodiscard]] std::string to_json() const;

 private:
  mutable std::mutex mutex_;
  static constexpr std::size_t kEvents = static_cast<std::size_t>(Event::hung) + 1;
  std::array<std::int64_t, kEvents> events_{};
  std::int64_t answered_ = 0;
  std::int64_t tokens_ = 0;
  std::map<std::string, int> calls_by_name_;
  std::map<std::string, int> answered_by_name_;
  std::map<std::pair<std::string, std::string>, int, std::less<>> attempts_;  ///< by provider and name
  /// Batches created, their rows and duplicate rows, by provider.
  std::map<std::string, std::array<std::int64_t, 3>, std::less<>> batches_;
};

}  // namespace leadscout::llm_stub

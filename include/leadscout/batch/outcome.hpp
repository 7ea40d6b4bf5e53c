// What a batch callback returns: a result, or a failure that may be retried.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <variant>

namespace leadscout::batch {

/// Whether a failed attempt may be tried again.
enum class Retry : bool { no = false, yes = true };

/// A failed attempt: a short reason ("rate_limited", "timeout"), whether to retry, an optional
/// delay that replaces the computed backoff (an API's 429 Retry-After), and whether the failure
/// is fatal to the whole run (a rejected API key).
struct Failure {
  std::string reason;                        ///< short and stable: summaries count by it
  Retry retry = Retry::yes;                  ///< whether another attempt may follow
  std::chrono::milliseconds retry_after{0};  ///< zero: the retry policy's backoff
  /// Stops the run at once: no new item starts, in-flight ones are cancelled, the status is
  /// failed with this reason, and exit_code() is 1. The item is journaled as failed.
  bool halt = false;
};

/// The callback's answer: either a Result or a Failure. Implicitly built from either.
template <class Result>
class Outcome {
 public:
  ///@{
  /// A success carrying `result`, or a failed attempt.
  Outcome(Result result) : v_(std::in_place_index<0>, std::move(result)) {}
  Outcome(Failure failure) : v_(std::in_place_index<1>, std::move(failure)) {}
  ///@}

  /// True for a Result.
  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  ///@{
  /// The Result; only when ok().
  [[nodiscard]] Result& value() & { return std::get<0>(v_); }
  [[nodiscard]] Result&& value() && { return std::get<0>(std::move(v_)); }
  [[nodiscard]] const Result& value() const& { return std::get<0>(v_); }
  ///@}
  ///@{
  /// The Failure; only when !ok().
  [[nodiscard]] Failure& failure() & { return std::get<1>(v_); }
  [[nodiscard]] const Failure& failure() const& { return std::get<1>(v_); }
  ///@}

 private:
  std::variant<Result, Failure> v_;
};

}  // namespace leadscout::batch

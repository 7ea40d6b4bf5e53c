// Where a run's results go as its items finish: a JSONL or CSV file, or a callback, instead of
// Summary::results. A file sink is crash-safe: after a kill and a resume it holds every
// finished id exactly once.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace leadscout::batch {

namespace detail {
/// The Result of a callback `void(std::string_view id, const Result&)` (a lambda or a
/// std::function; not a generic lambda).
template <class T>
struct sink_result;
template <class C, class R>
struct sink_result<void (C::*)(std::string_view, const R&) const> {
  using type = R;
};
template <class C, class R>
struct sink_result<void (C::*)(std::string_view, const R&)> {
  using type = R;
};
template <class F>
using sink_result_t = typename sink_result<decltype(&std::remove_cvref_t<F>::operator())>::type;
template <class F>
concept results_callback = requires { typename sink_result_t<F>; };
}  // namespace detail

/// Options::results: none (the default: results are returned in Summary::results), a file
/// (jsonl_results(), csv_results()), or a callback `void(std::string_view id, const Result&)`.
class ResultsSink {
 public:
  /// What the sink does with a result.
  enum class Kind { none, jsonl, csv, callback };

  /// No sink: Summary::results holds every ok result.
  ResultsSink() = default;
  /// A callback, called once for each item that succeeds in this run, from the worker that ran
  /// it (so from several threads at once), with no lock of the processor held. An exception it
  /// throws is logged ("Results callback failed") and the run goes on. Items finished in an
  /// earlier run are not delivered again.
  template <class F>
    requires detail::results_callback<F>
  ResultsSink(F callback)  // NOLINT(google-explicit-constructor): `opt.results = [](...) {...};`
      : kind_(Kind::callback), type_(&typeid(detail::sink_result_t<F>)) {
    using Result = detail::sink_result_t<F>;
    deliver_ = [f = std::move(callback)](std::string_view id, const void* result) mutable {
      f(id, *static_cast<const Result*>(result));
    };
  }

  /// True unless none.
  [[nodiscard]] explicit operator bool() const noexcept { return kind_ != Kind::none; }
  /// What it is.
  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  /// The file of a jsonl or csv sink.
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// The Result type a callback takes, checked against the processor's.
  [[nodiscard]] const std::type_info& result_type() const noexcept { return *type_; }
  /// Calls the callback with the result at `result` (of result_type()).
  void deliver(std::string_view id, const void* result) const { deliver_(id, result); }

 private:
  friend ResultsSink jsonl_results(std::filesystem::path path);
  friend ResultsSink csv_results(std::filesystem::path path);
  ResultsSink(Kind kind, std::filesystem::path path) : kind_(kind), path_(std::move(path)) {}

  Kind kind_ = Kind::none;
  std::filesystem::path path_;
  std::function<void(std::string_view, const void*)> deliver_;
  const std::type_info* type_ = &typeid(void);
};

/// One line `{"id":…,"result":…}` per item, appended as items finish and fsync'ed at the end.
/// A resumed run completes the file from the journal and never writes an id twice.
[[nodiscard]] inline ResultsSink jsonl_results(std::filesystem::path path) {
  return ResultsSink(ResultsSink::Kind::jsonl, std::move(path));
}
/// A CSV (RFC 4180) with an `id` column and one column per top-level field of the first result
/// written (a single `result` column for non-object results), appended like jsonl_results().
[[nodiscard]] inline ResultsSink csv_results(std::filesystem::path path) {
  return ResultsSink(ResultsSink::Kind::csv, std::move(path));
}

}  // namespace leadscout::batch

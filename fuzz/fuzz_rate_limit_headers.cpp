// The rate-limit header parser and what a quota does with its result: never throws or crashes,
// counts at most one malformed value per header, and every delay it yields is finite and
// non-negative, whatever the bytes.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "leadscout/batch/clock.hpp"
#include "leadscout/batch/quota.hpp"
#include "quota/quota_state.hpp"
#include "quota/rate_limit_headers.hpp"

namespace lb = leadscout::batch;
namespace lbd = leadscout::batch::detail;

namespace {

void check_delay(const std::optional<lb::Clock::duration>& d) {
  if (d && (d->count() < 0 || *d > std::chrono::hours(24 * 366 * 40))) std::abort();
}

void check_dim(const lbd::LimitHeaders& dim) {
  if (dim.limit && !(*dim.limit >= 0.0)) std::abort();
  if (dim.remaining && !(*dim.remaining >= 0.0)) std::abort();
  check_delay(dim.reset);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Input: lines of "name:value"; a line without ':' is a name with an empty value.
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  for (std::size_t start = 0; start < input.size();) {
    const std::size_t end = std::min(input.find('\n', start), input.size());
    const std::string_view line = input.substr(start, end - start);
    const std::size_t colon = line.find(':');
    headers.emplace_back(line.substr(0, colon), colon == std::string_view::npos ? "" : line.substr(colon + 1));
    start = end + 1;
  }
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1795813445));
  const lbd::RateLimitHeaders h = lbd::parse_rate_limit_headers(headers, now);
  if (h.malformed < 0 || static_cast<std::size_t>(h.malformed) > headers.size()) std::abort();
  for (const auto* dim : {&h.requests, &h.tokens, &h.input_tokens, &h.output_tokens}) check_dim(*dim);
  check_delay(h.retry_after);

  // Through a quota: learning limits, holds and the cooldown must stay sane too.
  auto clock = std::make_shared<lb::ManualClock>();
  auto state = std::make_shared<lbd::QuotaState>(lb::Quota{.name = "fuzz"}, 4, clock);
  lb::Permit permit = state->acquire({.tokens = static_cast<std::int64_t>(size), .cost_usd = 0});
  if (!permit) std::abort();
  permit.observe_headers(headers);
  const lb::Failure failure = permit.rate_limited();
  if (failure.retry_after.count() < 0 || failure.retry != lb::Retry::yes) std::abort();
  const auto snapshot = state->snapshot();
  if (snapshot.in_flight != 0 || snapshot.malformed_headers != static_cast<std::uint64_t>(h.malformed)) std::abort();
  return 0;
}

// 200 settles the permit with the reported usage; 429 makes every worker of the quota wait (and
// the endpoint cool when the wait is longer than the call has); 401/403 and an unverified
// certificate halt the run; other 4xx fail the item; 5xx, refused connections and timeouts let
// the client try another endpoint.
#include "call.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "leadscout/error.hpp"
#include "rate_limit_header_names.hpp"
#include "strings.hpp"

namespace leadscout::llm::detail {

namespace {

using Clock = batch::Clock;
using std::chrono::milliseconds;

/// `text` with every copy of `secret` masked: an error body may echo the key it refused.
std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) text.replace(at, secret.size(), "***");
  return text;
}

/// retry-after-ms, else retry-after in seconds; zero when neither is a number (the quota then
/// uses the reset it learned, or its own backoff).
milliseconds retry_after(const std::vector<std::pair<std::string, std::string>>& headers) {
  milliseconds found{0};
  for (const auto& [name, value] : headers) {
    const bool ms = common::iequals(name, common::rate_limit_header::kRetryAfterMs);
    if (!ms && !common::iequals(name, common::rate_limit_header::kRetryAfter)) continue;
    double number = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec != std::errc() || end != value.data() + value.size() || number < 0) continue;
    const milliseconds parsed(std::llround(ms ? number : number * 1000.0));
    if (ms) return parsed;  // the more precise one wins
    found = parsed;
  }
  return found;
}

batch::Failure halt_failure(std::string reason) {
  return batch::Failure{.reason = std::move(reason), .retry = batch::Retry::no, .retry_after = milliseconds(0), .halt = true};
}

void judge_answer(const ResolvedEndpoint& e, const std::string& body, batch::Permit& permit, CallResult& out) {
  out.answer = wire::parse_response(e.spec.api, body);
  if (!out.answer) {
    permit.settle(batch::Usage{});
    out.outcome = "bad_response";
    out.error = "not a completion: " + scrub(body.substr(0, 200), e.key);
    out.failure = batch::Failure{.reason = "bad_response"};
    out.endpoint_failed = true;
    return;
  }
  out.cost_usd = e.price.cost(out.answer->input_tokens, out.answer->output_tokens);
  permit.settle(batch::Usage{.tokens = out.answer->input_tokens + out.answer->output_tokens, .cost_usd = out.cost_usd});
  out.outcome = "ok";
}

void judge_status(const ResolvedEndpoint& e, const HttpResult& r, batch::Permit& permit, batch::Context& ctx,
                  milliseconds limit, CallResult& out) {
  out.error = scrub(wire::error_message(r.body), e.key);
  if (r.status == 429) {
    const milliseconds wait = retry_after(r.headers);
    out.outcome = "rate_limited";
    out.failure = permit.rate_limited(wait);
    out.failure.reason = "rate_limited";
    if (wait > limit) out.cool_until = ctx.clock().now() + wait;
    return;
  }
  permit.settle(batch::Usage{});  // refused or failed calls are not billed
  if (r.status == 401 || r.status == 403) {
    out.outcome = r.status == 401 ? "unauthorized" : "forbidden";
    out.failure = halt_failure(out.outcome + ": " + std::string(to_string(e.spec.api)) + " answered HTTP " +
                               std::to_string(r.status) + " at " + e.transport->describe() + " (" + out.error +
                               "); check " + e.spec.key_env);
  } else if (r.status >= 400 && r.status < 500) {
    out.outcome = "bad_request";
    out.failure = batch::Failure{.reason = "bad_request", .retry = batch::Retry::no};
  } else {
    out.outcome = "server_error";
    out.failure = batch::Failure{.reason = "server_error"};
    out.endpoint_failed = true;
  }
}

void judge_transport_error(const HttpResult& r, CallResult& out) {
  out.error = r.error_text;
  switch (r.error) {
    case HttpResult::Error::tls_verification:
      out.outcome = "tls_verification";
      out.failure = halt_failure("tls_verification: " + r.error_text);
      return;
    case HttpResult::Error::timeout: out.outcome = "timeout"; break;
    default: out.outcome = "connection_error"; break;
  }
  out.failure = batch::Failure{.reason = out.outcome};
  out.endpoint_failed = true;
}

/// The call's time: the client's timeout, cut to the item's deadline.
milliseconds call_timeout(batch::Context& ctx, milliseconds timeout) {
  if (ctx.deadline() == Clock::time_point::max()) return timeout;
  const auto left = std::chrono::duration_cast<milliseconds>(ctx.deadline() - ctx.clock().now());
  return std::min(timeout, left);
}

}  // namespace

std::int64_t estimate_tokens(const wire::ChatRequest& request) {
  std::size_t chars = request.system.size();
  for (const wire::Message& m : request.messages) chars += m.content.size();
  if (!request.schema.is_null()) chars += request.schema.dump().size();
  return static_cast<std::int64_t>((chars + 3) / 4) + request.max_tokens;
}

CallResult call_endpoint(const ResolvedEndpoint& e, const wire::ChatRequest& request, batch::Context& ctx,
                         milliseconds timeout) {
  CallResult out;
  const std::int64_t tokens = estimate_tokens(request);
  batch::Permit permit =
      ctx.acquire(e.spec.quota, batch::Usage{.tokens = tokens, .cost_usd = e.price.estimate(tokens, request.max_tokens)});
  if (!permit) {
    out.failure = permit.failure();
    out.outcome = out.failure.reason;
    return out;
  }
  const milliseconds limit = call_timeout(ctx, timeout);
  if (limit.count() <= 0) {
    out.outcome = "timeout";
    out.failure = batch::Failure{.reason = "timeout"};
    return out;
  }
  out.sent = true;
  const auto start = std::chrono::steady_clock::now();
  const HttpResult r = e.transport->post(wire::chat_path(e.spec.api), wire::auth_headers(e.spec.api, e.key),
                                         wire::request_body(e.spec.api, request), limit, ctx.stop_token());
  out.latency_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.status = r.status;
  if (r.error == HttpResult::Error::cancelled) {  // the permit charges its estimate: the call may be billed
    out.outcome = "cancelled";
    out.error = "stop requested (timeout or shutdown)";
    out.failure = batch::Failure{.reason = "cancelled"};
    return out;
  }
  if (r.status == 0 && r.error == HttpResult::Error::timeout && limit < timeout) {
    // The item's deadline, not the endpoint, cut the call: the engine times the item out, and
    // a short item timeout says nothing about the endpoint's health.
    out.outcome = "cancelled";
    out.error = "the item's deadline passed";
    out.failure = batch::Failure{.reason = "timeout"};
    return out;
  }
  if (r.status == 0) {
    permit.settle(batch::Usage{});
    judge_transport_error(r, out);
    return out;
  }
  permit.observe_headers(r.headers);
  if (r.status == 200) {
    judge_answer(e, r.body, permit, out);
  } else {
    judge_status(e, r, permit, ctx, limit, out);
  }
  return out;
}

}  // namespace leadscout::llm::detail

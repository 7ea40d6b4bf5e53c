// What each response does: 200 settles the permit with the reported usage, 429 cools the quota
// down for every worker, 401/403 halt the run, 400 is final, 5xx and connection errors retry.
#include "llm_call.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "leadscout/log.hpp"

namespace demo {

namespace lb = leadscout::batch;
namespace ll = leadscout::log;

namespace {

/// One call, as its "LLM call" event reports it.
struct CallRecord {
  int status = 0;
  double latency_ms = 0.0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  double cost_usd = 0.0;
  std::string_view outcome = "ok";
  std::string error;
};

/// What one call came to.
struct CallResult {
  std::optional<Classification> result;
  lb::Failure failure;
  bool try_next = false;  ///< a server or connection error: another provider may answer
  bool called = false;    ///< a permit was granted and the request sent
  CallRecord record;
};

void log_call(const ll::Logger& api, const LlmEndpoint& e, std::string_view name, const CallRecord& r) {
  const double latency_ms = std::round(r.latency_ms * 10.0) / 10.0;
  const std::int64_t tokens = r.prompt_tokens + r.completion_tokens;
  if (r.outcome == "ok") {
    LEADSCOUT_DEBUG(api, "LLM call", {{"provider", e.provider}, {"model", e.model}, {"name", name},
                                     {"status", r.status}, {"latency_ms", latency_ms},
                                     {"prompt_tokens", r.prompt_tokens}, {"completion_tokens", r.completion_tokens},
                                     {"tokens", tokens}, {"cost_usd", r.cost_usd}, {"outcome", r.outcome}});
    return;
  }
  api.warning("LLM call", {{"provider", e.provider}, {"model", e.model}, {"name", name}, {"status", r.status},
                           {"latency_ms", latency_ms}, {"prompt_tokens", r.prompt_tokens},
                           {"completion_tokens", r.completion_tokens}, {"tokens", tokens}, {"cost_usd", r.cost_usd},
                           {"outcome", r.outcome}, {"error", r.error}});
}

/// A rejected key or a forbidden model fails every call alike: the run halts, and the reason
/// is said once on stderr too, where an operator starting the demo looks first.
lb::Failure halt(const LlmEndpoint& e, const CallRecord& r, const ll::Logger& api) {
  const std::string_view env = e.api == LlmApi::anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
  api.critical("LLM provider refused the request",
               {{"provider", e.provider}, {"status", r.status}, {"error", r.error}, {"hint", "check " + std::string(env)}});
  static std::atomic<bool> said{false};
  if (!said.exchange(true)) {
    std::fprintf(stderr, "demo_500_leads: %s answered HTTP %d (%s); check %s. Stopping the run.\n", e.provider.c_str(),
                 r.status, r.error.c_str(), std::string(env).c_str());
  }
  return lb::Failure{.reason = r.status == 401 ? "unauthorized" : "forbidden",
                     .retry = lb::Retry::no,
                     .retry_after = std::chrono::milliseconds(0),
                     .halt = true};
}

/// A 200: settle with the reported usage, then read the answer.
void judge_answer(const LlmEndpoint& e, std::string_view name, const HttpReply& reply, lb::Permit& permit,
                  CallResult& out, const ll::Logger& classification) {
  CallRecord& r = out.record;
  const std::optional<Completion> c = parse_completion(e.api, reply.body);
  if (!c) {
    permit.settle(lb::Usage{});
    r.outcome = "bad_response";
    r.error = "not a completion: " + reply.body.substr(0, 200);
    out.failure = lb::Failure{.reason = "bad_response"};
    out.try_next = true;
    return;
  }
  r.prompt_tokens = c->prompt_tokens;
  r.completion_tokens = c->completion_tokens;
  r.cost_usd = e.price.cost(c->prompt_tokens, c->completion_tokens);
  permit.settle(lb::Usage{.tokens = c->prompt_tokens + c->completion_tokens, .cost_usd = r.cost_usd});
  const std::optional<Answer> answer = parse_answer(c->text);
  if (!answer) {
    LEADSCOUT_DEBUG(classification, "LLM answer unparsable", {{"name", name}, {"provider", e.provider}, {"text", c->text}});
    r.outcome = "unparsable_answer";
    r.error = "the answer is not {\"label\", \"confidence\"} JSON";
    out.failure = lb::Failure{.reason = "unparsable_answer"};
    return;
  }
  out.result = Classification{std::string(name), answer->label, answer->confidence, "llm", e.provider};
}

/// Any other status: what the run does about it.
void judge_error(const LlmEndpoint& e, const HttpReply& reply, lb::Permit& permit, CallResult& out,
                 const ll::Logger& api) {
  CallRecord& r = out.record;
  r.error = reply.status == 0 ? reply.error : error_message(reply.body);
  if (reply.status == 429) {
    const double seconds = retry_after_seconds(reply.headers).value_or(0.0);
    r.outcome = "rate_limited";
    out.failure = permit.rate_limited(std::chrono::milliseconds(std::llround(seconds * 1000.0)));
    out.failure.reason = "rate_limited";
    return;
  }
  permit.settle(lb::Usage{});  // refused or failed calls are not billed
  if (reply.status == 401 || reply.status == 403) {
    r.outcome = reply.status == 401 ? "unauthorized" : "forbidden";
    out.failure = halt(e, r, api);
  } else if (reply.status >= 400 && reply.status < 500) {
    r.outcome = "bad_request";
    out.failure = lb::Failure{.reason = "bad_request", .retry = lb::Retry::no};
  } else {
    r.outcome = reply.status == 0 ? "connection_error" : "server_error";
    out.failure = lb::Failure{.reason = std::string(r.outcome)};
    out.try_next = true;
  }
}

CallResult call_one(const LlmEndpoint& e, std::string_view name, lb::Context& ctx, const ll::Logger& classification,
                    const ll::Logger& api) {
  CallResult out;
  const std::int64_t tokens = estimate_tokens(name);
  lb::Permit permit =
      ctx.acquire(e.provider, lb::Usage{.tokens = tokens, .cost_usd = e.price.cost(tokens - kMaxAnswerTokens, kMaxAnswerTokens)});
  if (!permit) {
    out.failure = permit.failure();
    return out;
  }
  out.called = true;
  const auto start = std::chrono::steady_clock::now();
  const HttpReply reply = e.transport->post(e.api, request_body(e.api, e.model, name), ctx.stop_token());
  out.record.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  out.record.status = reply.status;
  if (reply.cancelled) {  // the permit charges its estimate: the provider may have billed the call
    out.record.outcome = "cancelled";
    out.record.error = "stop requested (timeout or shutdown)";
    out.failure = lb::Failure{.reason = "cancelled"};
  } else {
    permit.observe_headers(reply.headers);
    if (reply.status == 200) {
      judge_answer(e, name, reply, permit, out, classification);
    } else {
      judge_error(e, reply, permit, out, api);
    }
  }
  log_call(api, e, name, out.record);
  return out;
}

}  // namespace

LlmOutcome classify_with_llm(const std::vector<LlmEndpoint>& endpoints, std::string_view name, lb::Context& ctx,
                             const ll::Logger& classification, const ll::Logger& api) {
  LlmOutcome out;
  for (const LlmEndpoint& e : endpoints) {
    LEADSCOUT_DEBUG(classification, "LLM fallback triggered", {{"name", name}, {"provider", e.provider}, {"model", e.model}});
    CallResult r = call_one(e, name, ctx, classification, api);
    if (r.called) ++out.calls;
    out.tokens += r.record.prompt_tokens + r.record.completion_tokens;
    out.cost_usd += r.record.cost_usd;
    if (r.result) {
      LEADSCOUT_DEBUG(classification, "LLM response", {{"name", name},
                                                      {"method", "llm"},
                                                      {"provider", e.provider},
                                                      {"result", r.result->label},
                                                      {"confidence", r.result->confidence},
                                                      {"tokens", r.record.prompt_tokens + r.record.completion_tokens},
                                                      {"cost_usd", r.record.cost_usd}});
      out.result = std::move(r.result);
      return out;
    }
    if (!r.try_next) {
      out.failure = std::move(r.failure);
      return out;
    }
    LEADSCOUT_DEBUG(classification, "LLM failed", {{"name", name}, {"provider", e.provider}, {"reason", r.failure.reason}});
  }
  out.failure = lb::Failure{.reason = "llm_unavailable"};
  return out;
}

}  // namespace demo

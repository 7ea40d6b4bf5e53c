// Request handling: 401 before 400 before 429 before the model, as the providers order them.
#include "service.hpp"

#include <string_view>

#include "anthropic_batches.hpp"
#include "chat_wire.hpp"
#include "openai_batches.hpp"
#include "rate_limit_header_names.hpp"

namespace leadscout::llm_stub {

namespace {

demo::LlmSettings llm_settings(const StubOptions& o) {
  demo::LlmSettings s;
  s.latency_mean = o.latency_mean;
  s.latency_spread = 0.5;
  s.failure_rate = o.failure_rate;
  s.hang_rate = o.hang_rate;
  s.seed = o.seed;
  return s;
}

/// A plan's error as a status. Every 429 comes from the limiter, with its headers, so the
/// plan's "HTTP 429" becomes a 503.
int error_status(std::string_view plan_error) noexcept { return plan_error.starts_with("HTTP 500") ? 500 : 503; }

std::string_view server_error_message(int status) noexcept {
  return status == 500 ? "The server had an error while processing your request." : "The service is overloaded.";
}

std::string unauthorized_message(Api api, bool missing) {
  if (api == Api::anthropic) return missing ? "x-api-key header is required" : "invalid x-api-key";
  return missing ? "You didn't provide an API key. Send it in an Authorization header: Bearer YOUR_KEY."
                 : "Incorrect API key provided.";
}

}  // namespace

StubService::StubService(StubOptions options, RateLimiter::Clock clock)
    : options_(std::move(options)),
      openai_(demo::openai_provider(), llm_settings(options_)),
      anthropic_(demo::anthropic_provider(), llm_settings(options_)),
      limiter_(options_.limits, std::move(clock)) {
  if (!options_.wall_clock) options_.wall_clock = [] { return std::chrono::system_clock::now(); };
  const auto answer = [this](Api api) { return [this, api](std::string_view body) { return answer_row(api, body); }; };
  openai_batches_ = std::make_unique<OpenAiBatches>(answer(Api::openai), options_.seed, options_.batches,
                                                    options_.wall_clock, stats_);
  anthropic_batches_ = std::make_unique<AnthropicBatches>(answer(Api::anthropic), options_.seed, options_.batches,
                                                          options_.wall_clock, stats_);
}

StubService::~StubService() = default;

const demo::SimulatedLlm& StubService::model(Api api) const noexcept {
  return api == Api::openai ? openai_ : anthropic_;
}

void StubService::stop() {
  {
    const std::lock_guard lock(stop_mutex_);
    stopped_ = true;
  }
  stop_cv_.notify_all();
}

bool StubService::wait(std::chrono::milliseconds d, std::stop_token stop) {
  std::unique_lock lock(stop_mutex_);
  if (d < std::chrono::milliseconds(0)) {
    stop_cv_.wait(lock, stop, [this] { return stopped_; });
  } else {
    stop_cv_.wait_for(lock, stop, d, [this] { return stopped_; });
  }
  return !stopped_ && !stop.stop_requested();
}

Headers StubService::reply_headers(Api api, const Snapshot& snapshot) const {
  Headers h = rate_limit_headers(api, snapshot, std::chrono::system_clock::now());
  h.emplace_back(api == Api::openai ? "x-request-id" : "request-id", "req_" + std::to_string(++requests_seen_));
  return h;
}

Reply StubService::error_reply(Api api, int status, std::string_view message, const Snapshot& snapshot) const {
  Reply r;
  r.status = status;
  r.headers = reply_headers(api, snapshot);
  r.body = error_body(api, status, message);
  return r;
}

Reply StubService::rate_limited_reply(Api api, const StubRequest& request, const Decision& decision) const {
  const bool requests = decision.requests_refused;
  const Limits& limits = limiter_.limits();
  const std::string message = "Rate limit reached for " + request.model + " on " +
                              (requests ? "requests per min (RPM): Limit " + std::to_string(limits.rpm)
                                        : "tokens per min (TPM): Limit " + std::to_string(limits.tpm)) +
                              ". Please try again in " + std::to_string(decision.retry_after.count()) + "s.";
  Reply r = error_reply(api, 429, message, decision.snapshot);
  r.headers.emplace_back(common::rate_limit_header::kRetryAfter, std::to_string(decision.retry_after.count()));
  return r;
}

Reply StubService::answer_reply(Api api, const StubRequest& request, const demo::CallPlan& plan,
                                const Snapshot& snapshot) {
  Reply r;
  r.headers = reply_headers(api, snapshot);
  r.body = answer_body(api, request, plan);
  return r;
}

std::string StubService::answer_body(Api api, const StubRequest& request, const demo::CallPlan& plan) {
  // A structured answer comes as the schema asked: JSON, never fenced; on Anthropic as the
  // input of the forced tool.
  const bool structured = !request.schema.is_null();
  llm::wire::ChatAnswer a;
  a.id = response_id(api, options_.seed, ++serial_);
  a.model = request.model;
  a.created =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  a.text = answer_text(plan.label, plan.confidence, !structured && fenced_answer(options_.seed, request.name));
  a.input_tokens = plan.prompt_tokens;
  a.output_tokens = plan.completion_tokens;
  a.tool_name = request.schema_name;
  return llm::wire::response_body(api, a, structured);
}

Reply StubService::call_model(Api api, const std::string& key, const StubRequest& request,
                              std::stop_token stop) {
  // Counted per provider: the demo tries a name's attempt N on OpenAI, then on Anthropic.
  const int attempt = stats_.call(to_string(api), request.name);
  const demo::CallPlan plan = model(api).plan(request.name, attempt);
  const bool hang = plan.kind == demo::CallPlan::Kind::hang;
  if (hang) stats_.count(Stats::Event::hung);
  if (!wait(hang ? std::chrono::milliseconds(-1) : plan.latency, std::move(stop))) {
    return error_reply(api, 503, "The server is shutting down.", limiter_.settle(key, request.estimated_tokens, 0));
  }
  if (plan.kind == demo::CallPlan::Kind::error) {
    stats_.count(Stats::Event::error);
    const int status = error_status(plan.error);
    return error_reply(api, status, server_error_message(status), limiter_.settle(key, request.estimated_tokens, 0));
  }
  const std::int64_t used = plan.prompt_tokens + plan.completion_tokens;
  const Snapshot snapshot = limiter_.settle(key, request.estimated_tokens, used);
  stats_.answered(request.name, used);
  return answer_reply(api, request, plan, snapshot);
}

std::optional<Reply> StubService::authenticate(Api api, std::string_view x_api_key, std::string_view authorization) {
  auto key = llm::wire::request_key(x_api_key, authorization);
  if (!key && !options_.require_key) key = std::string();
  if (key && (options_.reject_key.empty() || *key != options_.reject_key)) return std::nullopt;
  stats_.count(Stats::Event::unauthorized);
  return error_reply(api, 401, unauthorized_message(api, !key), limiter_.peek(key.value_or("")));
}

RowResult StubService::answer_row(Api api, std::string_view body) {
  RowResult row;
  row.request_id = "req_" + std::to_string(++requests_seen_);
  const ParsedRequest parsed = parse_request(api, body);
  if (!parsed.request) {
    stats_.count(Stats::Event::bad_request);
    row.kind = RowResult::Kind::failed;
    row.status = 400;
    row.body = error_body(api, 400, parsed.error);
    return row;
  }
  const StubRequest& request = *parsed.request;
  const int attempt = stats_.call(to_string(api), request.name);
  const demo::CallPlan plan = model(api).plan(request.name, attempt);
  if (plan.kind != demo::CallPlan::Kind::ok) {
    // A row cannot hang: the provider's worker gives up on it, a retryable server error.
    stats_.count(Stats::Event::error);
    row.kind = RowResult::Kind::failed;
    row.status = plan.kind == demo::CallPlan::Kind::error ? error_status(plan.error) : 500;
    row.body = error_body(api, row.status, server_error_message(row.status));
    return row;
  }
  stats_.answered(request.name, plan.prompt_tokens + plan.completion_tokens);
  row.kind = RowResult::Kind::answered;
  row.status = 200;
  row.body = answer_body(api, request, plan);
  return row;
}

Reply StubService::handle(const Incoming& in) {
  stats_.count(Stats::Event::request);
  if (auto denied = authenticate(in.api, in.x_api_key, in.authorization)) return std::move(*denied);
  auto key = llm::wire::request_key(in.x_api_key, in.authorization);
  if (!key) key = std::string();
  const ParsedRequest parsed = parse_request(in.api, in.body);
  if (!parsed.request) {
    stats_.count(Stats::Event::bad_request);
    return error_reply(in.api, 400, parsed.error, limiter_.peek(*key));
  }
  const Decision decision = limiter_.acquire(*key, parsed.request->estimated_tokens);
  if (!decision.allowed) {
    stats_.count(Stats::Event::rate_limited);
    return rate_limited_reply(in.api, *parsed.request, decision);
  }
  return call_model(in.api, *key, *parsed.request, in.stop);
}

}  // namespace leadscout::llm_stub

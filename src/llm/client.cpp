// Client::complete: pick an endpoint, call it, move on when it fails, check the answer against
// the schema and ask again when it does not pass.
#include "leadscout/llm/client.hpp"

#include <algorithm>
#include <condition_variable>
#include <stop_token>

#include "cache/cache_env.hpp"
#include "call.hpp"
#include "client_state.hpp"
#include "leadscout/error.hpp"
#include "leadscout/log/logger.hpp"
#include "schema/schema_access.hpp"
#include "telemetry.hpp"

namespace leadscout::llm {

namespace detail {

namespace {

std::vector<ResolvedEndpoint> resolve_all(const ClientOptions& o) {
  if (o.endpoints.empty()) throw Error("leadscout::llm: ClientOptions::endpoints is empty");
  std::vector<ResolvedEndpoint> out;
  for (std::size_t i = 0; i < o.endpoints.size(); ++i) out.push_back(resolve_endpoint(o.endpoints[i], i, o.ca_file));
  return out;
}

/// `o` with LEADSCOUT_LLM_CACHE in place of its cache when the variable is set.
ClientOptions with_cache_from_env(ClientOptions o) {
  o.cache = cache_from_env(o.cache);
  return o;
}

}  // namespace

ClientState::ClientState(ClientOptions o)
    : options(with_cache_from_env(std::move(o))),
      endpoints(resolve_all(options)),
      health(endpoints.size(), options.failover_after, options.failover_cooldown),
      api(log::get("api")),
      cache(ResponseCache::open(options.cache, api)) {
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    options.endpoints[i] = endpoints[i].spec;
    if (!endpoints[i].priced) {
      api.warning("LLM model has no price", {{"endpoint", i},
                                             {"model", endpoints[i].spec.model},
                                             {"hint", "set Endpoint::price_in_usd_per_mtok and price_out_usd_per_mtok; "
                                                      "its spend counts as 0 and budgets do not see it"}});
    }
  }
}

CompiledSchema ClientState::schema(const std::string& text) {
  const std::lock_guard lock(schema_mutex_);
  if (const auto it = schemas_.find(text); it != schemas_.end()) return it->second;
  CompiledSchema compiled;
  try {
    compiled = std::make_shared<const Schema>(text);
  } catch (const Error& e) {
    compiled = std::string(e.what());
  }
  return schemas_.emplace(text, std::move(compiled)).first->second;
}

namespace {

/// Waits until `until` on the run's clock, or until the item stops. False when it stopped.
bool wait_until(batch::Context& ctx, batch::Clock::time_point until) {
  std::mutex mutex;
  std::condition_variable cv;
  std::unique_lock lock(mutex);
  const std::stop_callback wake(ctx.stop_token(), [&] {
    const std::lock_guard guard(mutex);
    cv.notify_all();
  });
  while (!ctx.stop_token().stop_requested() && ctx.clock().now() < until) {
    ctx.clock().wait_until(lock, cv, until, false);
  }
  return !ctx.stop_token().stop_requested();
}

/// The endpoint the next call goes to, from `first` on; waits for one that cools down while
/// the item has time. nullopt with `failure` set when none will be ready in time.
std::optional<std::size_t> next_endpoint(ClientState& s, batch::Context& ctx, std::size_t first,
                                         batch::Failure& failure) {
  while (true) {
    const auto now = ctx.clock().now();
    if (const auto pick = s.health.pick(now, first)) return pick;
    if (first > 0) return std::nullopt;  // the endpoints after a failed one: the failure stands
    const auto ready = s.health.earliest_ready();
    if (ready > ctx.deadline()) {
      failure = batch::Failure{.reason = "llm_unavailable",
                               .retry_after = std::chrono::ceil<std::chrono::milliseconds>(ready - now)};
      return std::nullopt;
    }
    if (!wait_until(ctx, ready)) {
      failure = batch::Failure{.reason = "cancelled"};
      return std::nullopt;
    }
  }
}

/// One answer from the first endpoint that gives one; failover on the way.
CallResult call_with_failover(ClientState& s, batch::Context& ctx, const wire::ChatRequest& base, Reply& reply) {
  CallResult last;
  std::optional<std::size_t> failed;
  bool cooling = false;
  for (std::size_t first = 0;;) {
    const std::optional<std::size_t> index = next_endpoint(s, ctx, first, last.failure);
    if (!index) return last;
    if (failed) record_failover(s.api, ctx, s.endpoints[*failed], *failed, s.endpoints[*index], *index, last.outcome, cooling);
    const ResolvedEndpoint& e = s.endpoints[*index];
    wire::ChatRequest request = base;
    request.model = e.spec.model;
    last = call_endpoint(e, request, ctx, s.options.timeout);
    record_call(s.api, ctx, e, *index, last);
    ReplyAccess::add_call(reply, *index, last.answer ? last.answer->input_tokens : 0,
                          last.answer ? last.answer->output_tokens : 0, last.cost_usd);
    if (last.answer) {
      s.health.succeeded(*index);
      return last;
    }
    if (last.failure.halt) {
      s.api.critical("LLM call halts the run", {{"item_id", ctx.item_id()}, {"endpoint", *index}, {"reason", last.failure.reason}});
      return last;
    }
    const auto now = ctx.clock().now();
    if (last.cool_until) {
      cooling = s.health.cool(*index, now, *last.cool_until);
    } else if (last.endpoint_failed) {
      cooling = s.health.failed(*index, now);
    } else {
      if (last.status >= 400) s.health.succeeded(*index);  // a client error: the endpoint works
      return last;
    }
    failed = index;
    first = *index + 1;
  }
}

/// The conversation of `request` as the wire sends it.
wire::ChatRequest chat_request(const Request& request, const nlohmann::json& schema) {
  wire::ChatRequest chat;
  chat.system = request.system;
  chat.messages.push_back(wire::Message{"user", request.user});
  chat.schema = schema;
  chat.max_tokens = request.max_tokens;
  chat.temperature = request.temperature;
  return chat;
}

/// Why `answer` fails `schema`, or empty; `value` gets the JSON it carries.
std::string check_answer(const Schema& schema, const std::string& answer, nlohmann::json& value) {
  value = extract_json_value(answer);
  if (value.is_null()) return "the answer is not JSON";
  return SchemaAccess::check(schema, value);
}

/// Asks the endpoints, checks the answer and asks again while it fails the schema.
Reply ask_endpoints(ClientState& s, batch::Context& ctx, const Request& request, const std::shared_ptr<const Schema>& schema) {
  wire::ChatRequest chat = chat_request(request, schema ? SchemaAccess::source(*schema) : nlohmann::json());
  Reply reply;
  for (int ask = 0;; ++ask) {
    CallResult call = call_with_failover(s, ctx, chat, reply);
    if (!call.answer) {
      ReplyAccess::fail(reply, std::move(call.failure));
      return reply;
    }
    nlohmann::json value;
    const std::string error = schema ? check_answer(*schema, call.answer->text, value) : std::string();
    if (error.empty()) {
      if (!schema) value = extract_json_value(call.answer->text);
      ReplyAccess::answer(reply, std::move(call.answer->text), value, std::move(call.answer->model));
      return reply;
    }
    s.api.warning("LLM answer invalid", {{"item_id", ctx.item_id()}, {"endpoint", reply.endpoint()},
                                         {"error", error}, {"ask", ask + 1}, {"reask", s.options.reask}});
    if (ask >= s.options.reask) {
      ReplyAccess::fail(reply, batch::Failure{.reason = "invalid_answer", .retry = batch::Retry::no});
      return reply;
    }
    chat.messages.push_back(wire::Message{"assistant", call.answer->text});
    chat.messages.push_back(wire::Message{
        "user", "Your answer does not match the required JSON Schema: " + error + ". Answer again with JSON only."});
  }
}

/// The request's schema compiled; a halting failure when it cannot be.
std::variant<std::shared_ptr<const Schema>, Reply> compile_schema(ClientState& s, batch::Context& ctx, const Request& request) {
  if (request.schema.empty()) return std::shared_ptr<const Schema>();
  CompiledSchema compiled = s.schema(request.schema);
  if (const auto* error = std::get_if<std::string>(&compiled)) {
    s.api.critical("LLM request schema rejected", {{"item_id", ctx.item_id()}, {"error", *error}});
    return ReplyAccess::failed(batch::Failure{.reason = "invalid_schema: " + *error, .retry = batch::Retry::no,
                                              .retry_after = std::chrono::milliseconds(0), .halt = true}, 0);
  }
  return std::get<std::shared_ptr<const Schema>>(compiled);
}

/// Through the cache: a stored answer, or the one an identical request in flight gets, spares
/// the call; an answer that passed goes into the cache under the key of the model that gave it.
Reply complete_cached(ClientState& s, batch::Context& ctx, const Request& request,
                      const std::shared_ptr<const Schema>& schema) {
  const std::size_t index = s.health.pick(ctx.clock().now()).value_or(0);
  const Endpoint& asked = s.endpoints[index].spec;
  ResponseCache::Ticket ticket = s.cache->begin(cache_key(asked.api, asked.model, request), ctx.stop_token(), s.options.timeout);
  if (const std::optional<CachedAnswer>& hit = ticket.hit()) {
    record_cache_hit(s.api, ctx, s.endpoints[index], index, *hit, s.cache->backend());
    return ReplyAccess::cached(index, *hit, extract_json_value(hit->text));
  }
  record_cache_miss(ctx, s.cache->backend());
  Reply reply = ask_endpoints(s, ctx, request, schema);
  if (!reply.ok()) return reply;
  const CachedAnswer answer{.text = reply.text(),
                            .model = reply.model(),
                            .input_tokens = reply.usage().input_tokens,
                            .output_tokens = reply.usage().output_tokens,
                            .cost_usd = reply.cost_usd()};
  const Endpoint& answered = s.endpoints[reply.endpoint()].spec;
  if (answered.api == asked.api && answered.model == asked.model) {
    ticket.answered(answer);
  } else {
    s.cache->store(cache_key(answered.api, answered.model, request), answer);
  }
  return reply;
}

}  // namespace

Reply complete(ClientState& s, batch::Context& ctx, const Request& request) {
  auto compiled = compile_schema(s, ctx, request);
  if (Reply* failed = std::get_if<Reply>(&compiled)) return std::move(*failed);
  const auto& schema = std::get<std::shared_ptr<const Schema>>(compiled);
  if (s.cache && s.cache->applies_to(request)) return complete_cached(s, ctx, request, schema);
  return ask_endpoints(s, ctx, request, schema);
}

}  // namespace detail

Client::Client(ClientOptions options) : state_(std::make_unique<detail::ClientState>(std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Reply Client::complete(batch::Context& ctx, const Request& request) { return detail::complete(*state_, ctx, request); }

const ClientOptions& Client::options() const noexcept { return state_->options; }

std::vector<batch::Quota> Client::quotas() const {
  std::vector<batch::Quota> out;
  for (const detail::ResolvedEndpoint& e : state_->endpoints) {
    const bool known = std::any_of(out.begin(), out.end(), [&](const batch::Quota& q) { return q.name == e.spec.quota; });
    if (!known) out.push_back(batch::Quota{.name = e.spec.quota});
  }
  return out;
}

}  // namespace leadscout::llm

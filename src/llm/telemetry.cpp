// Names and buckets follow the OpenTelemetry semantic conventions for GenAI clients
// (gen_ai.client.token.usage, gen_ai.client.operation.duration), in Prometheus form.
#include "telemetry.hpp"

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "leadscout/batch/telemetry.hpp"

namespace leadscout::llm::detail {

namespace {

constexpr std::array<double, 14> kTokenBuckets = {1,     4,      16,      64,      256,      1024,     4096,
                                                  16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
constexpr std::array<double, 14> kDurationBuckets = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                                     1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};

constexpr batch::Histogram kTokenUsage{
    .name = "gen_ai_client_token_usage", .help = "Tokens used per GenAI call, by token type", .buckets = kTokenBuckets};
constexpr batch::Histogram kOperationDuration{.name = "gen_ai_client_operation_duration_seconds",
                                              .help = "Duration of GenAI calls in seconds",
                                              .buckets = kDurationBuckets};

double round_to(double value, double step) { return std::round(value / step) * step; }

void observe_metrics(batch::Context& ctx, const ResolvedEndpoint& e, const CallResult& call) {
  const std::string_view provider = to_string(e.spec.api);
  const std::string_view model = e.spec.model;
  if (call.outcome == "ok") {
    const std::array<batch::MetricLabel, 4> common_labels = {
        {{"gen_ai_operation_name", "chat"}, {"gen_ai_provider_name", provider}, {"gen_ai_request_model", model},
         {"gen_ai_token_type", "input"}}};
    ctx.observe(kTokenUsage, common_labels, static_cast<double>(call.answer->input_tokens));
    std::array<batch::MetricLabel, 4> output_labels = common_labels;
    output_labels[3].second = "output";
    ctx.observe(kTokenUsage, output_labels, static_cast<double>(call.answer->output_tokens));
    const std::array<batch::MetricLabel, 3> duration_labels = {
        {{"gen_ai_operation_name", "chat"}, {"gen_ai_provider_name", provider}, {"gen_ai_request_model", model}}};
    ctx.observe(kOperationDuration, duration_labels, call.latency_s);
    return;
  }
  const std::array<batch::MetricLabel, 4> error_labels = {{{"gen_ai_operation_name", "chat"},
                                                           {"gen_ai_provider_name", provider},
                                                           {"gen_ai_request_model", model},
                                                           {"error_type", call.outcome}}};
  ctx.observe(kOperationDuration, error_labels, call.latency_s);
}

}  // namespace

void record_call(const log::Logger& api, batch::Context& ctx, const ResolvedEndpoint& e, std::size_t index,
                 const CallResult& call) {
  if (!call.sent) return;
  observe_metrics(ctx, e, call);
  const bool ok = call.outcome == "ok";
  const std::string response_model = ok ? call.answer->model : std::string();
  const std::vector<std::string> finish = ok ? std::vector<std::string>{call.answer->finish_reason} : std::vector<std::string>{};
  const log::Level level = ok ? log::Level::debug : log::Level::warning;
  api.log(level, "LLM call",
          {{"item_id", ctx.item_id()},
           {"endpoint", index},
           {"gen_ai.operation.name", "chat"},
           {"gen_ai.provider.name", to_string(e.spec.api)},
           {"gen_ai.request.model", e.spec.model},
           {"gen_ai.response.model", response_model},
           {"gen_ai.usage.input_tokens", ok ? call.answer->input_tokens : 0},
           {"gen_ai.usage.output_tokens", ok ? call.answer->output_tokens : 0},
           {"gen_ai.response.finish_reasons", finish},
           {"server.address", e.transport->host_port()},
           {"status", call.status},
           {"latency_ms", round_to(call.latency_s * 1000.0, 0.1)},
           {"cost_usd", call.cost_usd},
           {"outcome", call.outcome},
           {"error", call.error}});
}

void record_cache_hit(const log::Logger& api, batch::Context& ctx, const ResolvedEndpoint& e, std::size_t index,
                      const CachedAnswer& answer, std::string_view backend) {
  api.debug("LLM call", {{"item_id", ctx.item_id()},
                         {"endpoint", index},
                         {"gen_ai.operation.name", "chat"},
                         {"gen_ai.provider.name", to_string(e.spec.api)},
                         {"gen_ai.request.model", e.spec.model},
                         {"gen_ai.response.model", answer.model},
                         {"gen_ai.usage.input_tokens", answer.input_tokens},
                         {"gen_ai.usage.output_tokens", answer.output_tokens},
                         {"cost_usd", 0.0},
                         {"saved_usd", answer.cost_usd},
                         {"cache", backend},
                         {"outcome", "cached"}});
  const std::array<batch::MetricLabel, 1> labels = {{{"backend", backend}}};
  const double saved = answer.cost_usd > 0 && std::isfinite(answer.cost_usd) ? answer.cost_usd : 0.0;
  ctx.count("leadscout_llm_cache_hits_total", "LLM requests answered from the response cache", labels);
  ctx.count("leadscout_llm_cache_saved_usd_total", "What the calls the response cache spared would have cost, in USD",
            labels, saved);
  ctx.metric("llm_cache_hits");
  ctx.metric("llm_cache_saved_usd_micros", std::llround(saved * 1e6));
}

void record_cache_miss(batch::Context& ctx, std::string_view backend) {
  const std::array<batch::MetricLabel, 1> labels = {{{"backend", backend}}};
  ctx.count("leadscout_llm_cache_misses_total", "LLM requests the response cache could not answer (a call was made)",
            labels);
  ctx.metric("llm_cache_misses");
}

void record_failover(const log::Logger& api, batch::Context& ctx, const ResolvedEndpoint& from, std::size_t from_index,
                     const ResolvedEndpoint& to, std::size_t to_index, std::string_view why, bool cooling) {
  api.warning("LLM failover", {{"item_id", ctx.item_id()},
                               {"from", from_index},
                               {"from_provider", to_string(from.spec.api)},
                               {"from_model", from.spec.model},
                               {"to", to_index},
                               {"to_provider", to_string(to.spec.api)},
                               {"to_model", to.spec.model},
                               {"why", why},
                               {"cooling", cooling}});
  const std::string from_text = std::to_string(from_index);
  const std::string to_text = std::to_string(to_index);
  const std::array<batch::MetricLabel, 3> labels = {{{"from", from_text}, {"to", to_text}, {"reason", why}}};
  ctx.count("leadscout_llm_failovers_total", "Calls moved from one LLM endpoint to another", labels);
}

}  // namespace leadscout::llm::detail

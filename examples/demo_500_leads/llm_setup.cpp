// Provider setup. Keys are read here and handed to the transport only: nothing else holds them.
#include "llm_setup.hpp"

#include <cstdlib>

#include "http_transport.hpp"
#include "loopback_transport.hpp"
#include "service.hpp"
#include "simulated_llm.hpp"

namespace demo {

LlmSetup::LlmSetup() = default;
LlmSetup::~LlmSetup() = default;
LlmSetup::LlmSetup(LlmSetup&&) noexcept = default;
LlmSetup& LlmSetup::operator=(LlmSetup&&) noexcept = default;

namespace {

namespace stub = leadscout::llm_stub;

std::string default_model(LlmApi api) { return api == LlmApi::openai ? "gpt-4o-mini" : "claude-3-haiku-20240307"; }

/// The model's price: the flags, else the table, else zero (flagged, so the demo can warn).
Price price_of(const DemoOptions& o, const std::string& model, bool& unknown) {
  const std::optional<Price> table = builtin_price(model);
  unknown = !table && (o.price_in < 0 || o.price_out < 0);
  Price p = table.value_or(Price{});
  if (o.price_in >= 0) p.input_per_million = o.price_in;
  if (o.price_out >= 0) p.output_per_million = o.price_out;
  return p;
}

LlmSetup simulated(const DemoOptions& o) {
  LlmSetup s;
  stub::StubOptions so;
  so.seed = o.seed;
  so.latency_mean = std::chrono::milliseconds(o.llm_latency_ms);
  so.failure_rate = o.llm_failure_rate;
  so.hang_rate = o.llm_hang_rate;
  so.limits = stub::Limits{o.llm_rpm, o.llm_tpm};
  s.service = std::make_unique<stub::StubService>(so);
  s.transports.push_back(std::make_unique<LoopbackTransport>(*s.service));
  s.where = "in-process";
  const std::optional<LlmApi> only = parse_llm_api(o.llm_api);
  for (const Provider& p : {openai_provider(), anthropic_provider()}) {
    const LlmApi api = *parse_llm_api(p.name);
    if (only && *only != api) continue;
    const std::string model = o.llm_model.empty() ? p.model : o.llm_model;
    bool unknown = false;
    s.endpoints.push_back(LlmEndpoint{p.name, api, model, price_of(o, model, unknown), s.transports.back().get()});
    s.price_unknown = s.price_unknown || unknown;
  }
  return s;
}

}  // namespace

LlmSetup make_llm_setup(const DemoOptions& o) {
  if (o.llm_url.empty()) return simulated(o);
  LlmSetup s;
  s.simulated = false;
  const LlmApi api = parse_llm_api(o.llm_api).value_or(LlmApi::openai);
  const char* key = std::getenv(api == LlmApi::anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY");
  s.key_missing = key == nullptr || *key == '\0';
  // A request timeout of its own only backs up the item timeout, which closes the socket sooner.
  const auto timeout = o.item_timeout.count() > 0 ? o.item_timeout + std::chrono::seconds(1) : std::chrono::milliseconds(120'000);
  try {
    s.transports.push_back(std::make_unique<HttpTransport>(o.llm_url, key == nullptr ? "" : key, timeout));
  } catch (const UrlError& e) {
    throw SetupError(std::string("--llm-url: ") + e.what());
  }
  s.where = s.transports.back()->describe();
  const std::string model = o.llm_model.empty() ? default_model(api) : o.llm_model;
  bool unknown = false;
  s.endpoints.push_back(
      LlmEndpoint{std::string(to_string(api)), api, model, price_of(o, model, unknown), s.transports.back().get()});
  s.price_unknown = unknown;
  return s;
}

std::vector<leadscout::batch::Quota> make_quotas(const DemoOptions& o, const LlmSetup& setup) {
  std::vector<leadscout::batch::Quota> quotas;
  for (const LlmEndpoint& e : setup.endpoints) {
    quotas.push_back(leadscout::batch::Quota{.name = e.provider,
                                             .requests_per_minute = o.rpm,
                                             .tokens_per_minute = o.tpm,
                                             .max_in_flight = o.adaptive ? 0 : static_cast<int>(o.concurrency),
                                             .budget_usd = o.budget_usd});
  }
  return quotas;
}

}  // namespace demo

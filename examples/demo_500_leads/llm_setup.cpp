// Provider setup: --llm-url is a comma-separated list of endpoints to fail over between, each
// "URL" (of --llm-api) or "API=URL"; --llm-model lists their models in the same order (one
// model serves all).
#include "llm_setup.hpp"

#include <algorithm>
#include <cstdlib>

#include "leadscout/error.hpp"
#include "service.hpp"
#include "simulated_llm.hpp"

namespace demo {

namespace llm = leadscout::llm;

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

llm::Api api_named(const std::string& name, const std::string& flag) {
  if (const auto api = llm::parse_api(name)) return *api;
  throw SetupError(flag + ": \"" + name + "\" is not openai or anthropic");
}

std::string default_model(llm::Api api) { return api == llm::Api::openai ? "gpt-4o-mini" : "claude-3-haiku-20240307"; }

void set_prices(const DemoOptions& o, llm::Endpoint& e) {
  e.price_in_usd_per_mtok = o.price_in;
  e.price_out_usd_per_mtok = o.price_out;
}

LlmSetup simulated(const DemoOptions& o) {
  leadscout::llm_stub::StubOptions so;
  so.seed = o.seed;
  so.latency_mean = std::chrono::milliseconds(o.llm_latency_ms);
  so.failure_rate = o.llm_failure_rate;
  so.hang_rate = o.llm_hang_rate;
  so.limits = leadscout::llm_stub::Limits{o.llm_rpm, o.llm_tpm};
  so.require_key = false;
  LlmSetup s;
  s.simulated = std::make_unique<SimulatedProvider>(so);
  for (const Provider& p : {openai_provider(), anthropic_provider()}) {
    const llm::Api api = *llm::parse_api(p.name);
    if (!o.llm_api.empty() && api_named(o.llm_api, "--llm-api") != api) continue;
    llm::Endpoint e{.api = api, .base_url = s.simulated->url(), .model = o.llm_model.empty() ? p.model : o.llm_model};
    set_prices(o, e);
    s.client.endpoints.push_back(std::move(e));
  }
  return s;
}

}  // namespace

LlmSetup make_llm_setup(const DemoOptions& o) {
  // The simulated provider answers online calls only.
  if (o.llm_batch && o.llm_url.empty()) throw SetupError("--llm-batch: needs a provider with a batch API (--llm-url)");
  LlmSetup s = o.llm_url.empty() ? simulated(o) : LlmSetup{};
  s.client.failover_after = o.failover_after;
  s.client.failover_cooldown = o.failover_cooldown;
  if (o.llm_url.empty()) {
    s.client.timeout = std::chrono::milliseconds(120'000);  // the item timeout closes the socket sooner
    return s;
  }
  const llm::Api default_api = o.llm_api.empty() ? llm::Api::openai : api_named(o.llm_api, "--llm-api");
  const std::vector<std::string> models = split_list(o.llm_model);
  const std::vector<std::string> urls = split_list(o.llm_url);
  if (urls.empty()) throw SetupError("--llm-url: no URL in \"" + o.llm_url + "\"");
  if (models.size() > 1 && models.size() != urls.size()) {
    throw SetupError("--llm-model: " + std::to_string(models.size()) + " models for " + std::to_string(urls.size()) +
                     " URLs (give one model, or one per URL)");
  }
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const std::string& entry = urls[i];
    const auto equals = entry.find('=');
    const bool named = equals != std::string::npos && entry.find("://") > equals;
    llm::Endpoint e{.api = named ? api_named(entry.substr(0, equals), "--llm-url") : default_api,
                    .base_url = named ? entry.substr(equals + 1) : entry};
    e.model = models.empty() ? default_model(e.api) : models[models.size() == 1 ? 0 : i];
    // A second endpoint of the same API is another account or server: a quota of its own.
    const auto same_api = std::count_if(s.client.endpoints.begin(), s.client.endpoints.end(),
                                        [&](const llm::Endpoint& other) { return other.api == e.api; });
    if (same_api > 0) e.quota = std::string(llm::to_string(e.api)) + "-" + std::to_string(same_api + 1);
    set_prices(o, e);
    const std::string variable = e.api == llm::Api::anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
    const char* key = std::getenv(variable.c_str());
    const bool listed = std::find(s.missing_keys.begin(), s.missing_keys.end(), variable) != s.missing_keys.end();
    if ((key == nullptr || *key == '\0') && !listed) s.missing_keys.push_back(variable);
    s.client.endpoints.push_back(std::move(e));
  }
  s.client.ca_file = o.ca_file;
  if (o.item_timeout.count() > 0) s.client.timeout = o.item_timeout + std::chrono::seconds(1);
  return s;
}

llm::Cache make_cache(const DemoOptions& o, const std::filesystem::path& log_dir) {
  if (o.llm_cache == "off") return {};
  if (o.llm_cache.empty()) return llm::Cache::sqlite((log_dir / "cache" / "llm.sqlite").string());
  if (o.llm_cache.rfind("redis://", 0) != 0) return llm::Cache::sqlite(o.llm_cache);
  try {
    return llm::Cache::redis(o.llm_cache);
  } catch (const leadscout::Error& e) {
    throw SetupError(std::string("--llm-cache: ") + e.what());
  }
}

std::vector<leadscout::batch::Quota> make_quotas(const DemoOptions& o, const llm::Client& client) {
  std::vector<leadscout::batch::Quota> quotas = client.quotas();
  for (leadscout::batch::Quota& q : quotas) {
    q.requests_per_minute = o.rpm;
    q.tokens_per_minute = o.tpm;
    q.max_in_flight = o.adaptive ? 0 : static_cast<int>(o.concurrency);
    q.budget_usd = o.budget_usd;
  }
  return quotas;
}

}  // namespace demo

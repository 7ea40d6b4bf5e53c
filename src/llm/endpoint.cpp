// Endpoint defaults: the provider's public URL, its key variable, its quota, its price.
#include "endpoint.hpp"

#include <cstdlib>

#include "leadscout/error.hpp"

namespace leadscout::llm::detail {

ResolvedEndpoint resolve_endpoint(const Endpoint& e, std::size_t index, const std::string& ca_file) {
  ResolvedEndpoint r;
  r.spec = e;
  const std::string name = "endpoints[" + std::to_string(index) + "]";
  if (e.model.empty()) throw Error("leadscout::llm: " + name + " has no model");
  if (r.spec.base_url.empty()) {
    r.spec.base_url = e.api == Api::anthropic ? "https://api.anthropic.com/v1" : "https://api.openai.com/v1";
  }
  if (r.spec.key_env.empty()) r.spec.key_env = e.api == Api::anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
  if (r.spec.quota.empty()) r.spec.quota = std::string(to_string(e.api));
  if (const char* key = std::getenv(r.spec.key_env.c_str()); key != nullptr) r.key = key;
  const std::optional<Price> table = builtin_price(e.model);
  r.price = table.value_or(Price{});
  if (e.price_in_usd_per_mtok >= 0) r.price.input_per_mtok = e.price_in_usd_per_mtok;
  if (e.price_out_usd_per_mtok >= 0) r.price.output_per_mtok = e.price_out_usd_per_mtok;
  const bool custom = e.price_in_usd_per_mtok >= 0 || e.price_out_usd_per_mtok >= 0;
  r.batch_price = custom ? half_price(r.price) : builtin_batch_price(e.model).value_or(Price{});
  r.priced = table.has_value() || (e.price_in_usd_per_mtok >= 0 && e.price_out_usd_per_mtok >= 0);
  try {
    r.transport = std::make_unique<HttpTransport>(r.spec.base_url, ca_file);
  } catch (const Error& err) {
    throw Error("leadscout::llm: " + name + " (" + r.spec.base_url + "): " + err.what());
  }
  return r;
}

}  // namespace leadscout::llm::detail

// An endpoint as the client calls it: the user's Endpoint with its defaults, key, price and
// transport.
#pragma once

#include <memory>
#include <string>

#include "http/http_transport.hpp"
#include "leadscout/llm/client.hpp"
#include "price.hpp"

namespace leadscout::llm::detail {

struct ResolvedEndpoint {
  Endpoint spec;    ///< base_url, key_env and quota filled in
  std::string key;  ///< from spec.key_env; sent, never logged
  Price price;
  Price batch_price;  ///< through the batch API: the table's, else half of `price`
  bool priced = false;  ///< from the table or the Endpoint; else the cost is counted as 0
  std::unique_ptr<HttpTransport> transport;
};

/// `e` with its defaults, its key read and its transport made. Throws leadscout::Error naming
/// endpoint `index` for a missing model or a bad base_url.
[[nodiscard]] ResolvedEndpoint resolve_endpoint(const Endpoint& e, std::size_t index, const std::string& ca_file);

}  // namespace leadscout::llm::detail

// What a Client holds: its endpoints, their health, the schemas it has compiled, its logger and
// its response cache.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "cache/response_cache.hpp"
#include "endpoint.hpp"
#include "failover.hpp"
#include "leadscout/llm/client.hpp"
#include "leadscout/llm/schema.hpp"
#include "leadscout/log/logger.hpp"

namespace leadscout::llm::detail {

/// Builds a Reply; the only writer of its fields.
struct ReplyAccess {
  static Reply failed(batch::Failure failure, std::size_t endpoint) {
    Reply r;
    r.failure_ = std::move(failure);
    r.endpoint_ = endpoint;
    return r;
  }
  static void add_call(Reply& r, std::size_t endpoint, std::int64_t input, std::int64_t output, double cost) {
    r.endpoint_ = endpoint;
    r.usage_.input_tokens += input;
    r.usage_.output_tokens += output;
    r.cost_usd_ += cost;
  }
  static void answer(Reply& r, std::string text, const nlohmann::json& json, std::string model) {
    r.failure_.reset();
    r.text_ = std::move(text);
    r.json_text_ = json.is_null() ? std::string() : json.dump();
    r.model_ = std::move(model);
  }
  static void fail(Reply& r, batch::Failure failure) { r.failure_ = std::move(failure); }
  /// An answer from the cache: the stored text, usage and model; no cost.
  static Reply cached(std::size_t endpoint, const CachedAnswer& answer, const nlohmann::json& json) {
    Reply r;
    r.endpoint_ = endpoint;
    r.usage_ = Usage{.input_tokens = answer.input_tokens, .output_tokens = answer.output_tokens};
    r.text_ = answer.text;
    r.json_text_ = json.is_null() ? std::string() : json.dump();
    r.model_ = answer.model;
    r.cached_ = true;
    return r;
  }
};

/// A schema compiled once per distinct text, or why it cannot be.
using CompiledSchema = std::variant<std::shared_ptr<const Schema>, std::string>;

class ClientState {
 public:
  explicit ClientState(ClientOptions options);

  ClientOptions options;  ///< with the endpoints' defaults filled in
  std::vector<ResolvedEndpoint> endpoints;
  EndpointHealth health;
  log::Logger api;
  std::unique_ptr<ResponseCache> cache;  ///< null without one

  /// The compiled schema of `text`, or the error naming what is not supported.
  [[nodiscard]] CompiledSchema schema(const std::string& text);

 private:
  std::mutex schema_mutex_;
  std::map<std::string, CompiledSchema, std::less<>> schemas_;
};

}  // namespace leadscout::llm::detail

// What a Client holds: its endpoints, their health, the schemas it has compiled, its logger.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

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

  /// The compiled schema of `text`, or the error naming what is not supported.
  [[nodiscard]] CompiledSchema schema(const std::string& text);

 private:
  std::mutex schema_mutex_;
  std::map<std::string, CompiledSchema, std::less<>> schemas_;
};

}  // namespace leadscout::llm::detail

// A client of the OpenAI and Anthropic chat APIs for batch callbacks: one call under the
// endpoint's quota, failover between endpoints, answers checked against a JSON Schema.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "leadscout/batch/context.hpp"
#include "leadscout/batch/outcome.hpp"
#include "leadscout/batch/quota.hpp"
#include "leadscout/llm/api.hpp"
#include "leadscout/llm/cache.hpp"
#include "leadscout/llm/export.hpp"

namespace leadscout::llm {

/// One place to send calls to. Every member has a default, so that designated initializers may
/// leave any out without -Wmissing-field-initializers.
struct Endpoint {
  Api api = Api::openai;  ///< the wire protocol
  std::string base_url{};  ///< empty: https://api.openai.com/v1 or https://api.anthropic.com/v1
  std::string model{};  ///< the model asked, e.g. "gpt-4o-mini"; required
  std::string key_env{};   ///< the key's environment variable; empty: OPENAI_API_KEY or ANTHROPIC_API_KEY
  std::string quota{};     ///< the lb::Quota's name; empty: "openai" or "anthropic"
  double price_in_usd_per_mtok = -1;   ///< negative: the built-in price table
  double price_out_usd_per_mtok = -1;  ///< negative: the built-in price table
};

/// How a Client calls its endpoints.
struct ClientOptions {
  std::vector<Endpoint> endpoints{};  ///< in order of preference
  std::string ca_file{};  ///< a PEM bundle to verify servers with; empty: the system's (SSL_CERT_FILE honoured)
  std::chrono::milliseconds timeout{60'000};  ///< per call, and never past the item's deadline
  int failover_after = 3;  ///< consecutive 5xx, connection failures or timeouts before calls move on
  std::chrono::milliseconds failover_cooldown{30'000};  ///< how long a failed endpoint is skipped
  int reask = 1;  ///< times an answer that fails the schema is asked again, with the error
  Cache cache{};  ///< answers kept for equal requests; {}: none. LEADSCOUT_LLM_CACHE (`sqlite:PATH`, `redis://host:port/db`, `off`) overrides it
};

/// One question.
struct Request {
  std::string system{};  ///< the system prompt
  std::string user{};    ///< the user message
  std::string schema{};    ///< JSON Schema text the answer must satisfy; empty: free text
  int max_tokens = 256;    ///< the answer's token limit
  double temperature = 0;  ///< 0: the most likely answer, the same on a re-run
};

/// Tokens a call used, as the provider reported them.
struct Usage {
  std::int64_t input_tokens = 0;   ///< prompt tokens
  std::int64_t output_tokens = 0;  ///< completion tokens
};

namespace detail {
struct ReplyAccess;
class ClientState;
class BatchSession;
}  // namespace detail

/// The answer to a Request, or why there is none.
class LEADSCOUT_LLM_EXPORT Reply {
 public:
  /// True when the provider answered and the answer passed the schema.
  [[nodiscard]] bool ok() const noexcept { return !failure_; }
  /// Why there is no answer (reason, retry, retry_after, halt); only when !ok().
  [[nodiscard]] batch::Failure failure() const { return failure_ ? *failure_ : batch::Failure{}; }
  /// The answer's text (with a schema: the JSON text the answer was read from).
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  /// With a schema, the checked answer; without one, the JSON the text carries, else null.
  /// Parsed from json_text() on each call.
  [[nodiscard]] nlohmann::json json() const {
    return json_text_.empty() ? nlohmann::json() : nlohmann::json::parse(json_text_);
  }
  /// The answer's JSON as compact text; empty when there is none. It crosses from the library
  /// as text, so that a program may configure nlohmann::json differently (JSON_DIAGNOSTICS).
  [[nodiscard]] const std::string& json_text() const noexcept { return json_text_; }
  /// Tokens of every call made for this reply (re-asks included).
  [[nodiscard]] Usage usage() const noexcept { return usage_; }
  /// What those calls cost, in US dollars, by the endpoint's price.
  [[nodiscard]] double cost_usd() const noexcept { return cost_usd_; }
  /// The index in ClientOptions::endpoints of the endpoint that answered (or failed last).
  [[nodiscard]] std::size_t endpoint() const noexcept { return endpoint_; }
  /// The model the provider reported.
  [[nodiscard]] const std::string& model() const noexcept { return model_; }
  /// True when the answer came from ClientOptions::cache: no call, no permit, cost_usd() 0;
  /// usage() and model() are those of the call that paid for it.
  [[nodiscard]] bool cached() const noexcept { return cached_; }

 private:
  friend struct detail::ReplyAccess;
  std::optional<batch::Failure> failure_;
  std::string text_;
  std::string json_text_;
  Usage usage_;
  double cost_usd_ = 0;
  std::size_t endpoint_ = 0;
  std::string model_;
  bool cached_ = false;
};

/// Calls the endpoints of ClientOptions from batch callbacks. Thread-safe: one Client serves
/// every worker of a run.
class LEADSCOUT_LLM_EXPORT Client {
 public:
  /// Reads each endpoint's key from its variable (never logged). Throws leadscout::Error for
  /// no endpoints, an endpoint without a model, a bad base_url or a ca_file that cannot be
  /// read. A model that is neither in the price table nor priced in its Endpoint costs 0, and
  /// a warning on the `api` logger says so.
  explicit Client(ClientOptions options);
  /// Closes the connections.
  ~Client();
  ///@{
  /// Moves the client; the moved-from one may only be destroyed or assigned to.
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ///@}
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// One lb::Quota per quota name of the endpoints, limits learned from the providers' headers;
  /// put them in lb::Options::quotas (and tighten them there if you like).
  [[nodiscard]] std::vector<batch::Quota> quotas() const;

  /// Asks the first endpoint that is not cooling down, under a permit of its quota, and fails
  /// over to the next on 5xx, connection failures, timeouts and long Retry-After waits. Checks
  /// the answer against request.schema and asks again up to `reask` times. Never throws for
  /// what a provider does; the Reply's failure says what went wrong.
  [[nodiscard]] Reply complete(batch::Context& ctx, const Request& request);

  /// The options, with the defaults filled in (base URLs, key variables, quotas, prices).
  [[nodiscard]] const ClientOptions& options() const noexcept;

 private:
  friend class detail::BatchSession;
  std::unique_ptr<detail::ClientState> state_;
};

}  // namespace leadscout::llm

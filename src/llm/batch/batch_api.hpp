// What batch mode needs of a provider's batch API, whichever the provider.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/chat_wire.hpp"

namespace leadscout::llm::detail {

/// A batch as the provider reports it; `error` set when the call itself failed.
struct BatchStatus {
  std::string id;
  /// The provider's word: validating, in_progress, finalizing, completed, failed, expired,
  /// cancelling, cancelled (OpenAI); in_progress, canceling, ended (Anthropic).
  std::string status;
  bool ended = false;  ///< its results can be read, and nothing more will change
  std::int64_t total = 0, completed = 0, failed = 0;
  std::string output_file;  ///< OpenAI only
  std::string error_file;   ///< OpenAI only
  int http_status = 0;      ///< of the call; 0 without a response
  std::string error;        ///< why the call failed; empty when it worked
};

/// One row of a batch's results.
struct BatchRow {
  std::string custom_id;
  int status_code = 0;     ///< 200 with an answer; the refusal's status; 0 when the row only carries an error
  std::string body;        ///< the answer (the chat API's 200 body), or the error body, JSON text
  std::string error_code;  ///< "batch_expired", "batch_cancelled", ... for rows the batch did not run
  std::string error_message;
};

class BatchApi {
 public:
  virtual ~BatchApi() = default;
  [[nodiscard]] virtual Api api() const noexcept = 0;
  [[nodiscard]] virtual std::size_t max_bytes() const noexcept = 0;
  [[nodiscard]] virtual std::size_t max_requests() const noexcept = 0;
  /// The custom_id an item's id travels as (Anthropic allows [A-Za-z0-9_-]{1,64} only).
  [[nodiscard]] virtual std::string custom_id(std::string_view id) const { return std::string(id); }
  /// One request of a batch, as the create call carries it.
  [[nodiscard]] virtual std::string entry(std::string_view custom_id, const wire::ChatRequest& chat) const = 0;
  /// Creates a batch of `entries`; metadata (where the provider keeps it) names the run and chunk.
  [[nodiscard]] virtual BatchStatus create(const std::vector<std::string>& entries, const std::string& run,
                                           const std::string& chunk) const = 0;
  /// The id of a batch made earlier for this run and chunk; nullopt when none (or the provider
  /// keeps no metadata).
  [[nodiscard]] virtual std::optional<std::string> find(const std::string& run, const std::string& chunk) const = 0;
  [[nodiscard]] virtual BatchStatus retrieve(const std::string& id) const = 0;
  [[nodiscard]] virtual BatchStatus cancel(const std::string& id) const = 0;
  /// Streams the rows of an ended batch; false with `error` when they could not be read.
  virtual bool results(const BatchStatus& batch, const std::function<void(const BatchRow&)>& on_row,
                       std::string& error) const = 0;
};

}  // namespace leadscout::llm::detail

// OpenAI's Batch API: a JSONL file uploaded to /files (purpose "batch"), a batch made of it at
// /batches, polled, and its output and error files read line by line.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "batch/batch_http.hpp"
#include "wire/chat_wire.hpp"

namespace leadscout::llm::detail {

/// A batch as the provider reports it; `error` set when the call itself failed.
struct BatchStatus {
  std::string id;
  std::string status;  ///< validating, in_progress, finalizing, completed, failed, expired, cancelling, cancelled
  std::string output_file;
  std::string error_file;
  std::int64_t total = 0, completed = 0, failed = 0;
  int http_status = 0;  ///< of the call; 0 without a response
  std::string error;    ///< why the call failed; empty when it worked
  [[nodiscard]] bool terminal() const noexcept {
    return status == "completed" || status == "failed" || status == "expired" || status == "cancelled";
  }
};

/// One row of a batch's results.
struct BatchRow {
  std::string custom_id;
  int status_code = 0;     ///< the request's HTTP status; 0 when the row carries only an error
  std::string body;        ///< the response body (a chat completion for 200), JSON text
  std::string error_code;  ///< "batch_expired", "batch_cancelled", ... from the row's error
  std::string error_message;
};

class OpenAiBatch {
 public:
  explicit OpenAiBatch(BatchHttp http) : http_(std::move(http)) {}

  /// The size limit of one batch's input file.
  static constexpr std::size_t kMaxBytes = 200'000'000;
  /// The most requests one batch may hold.
  static constexpr std::size_t kMaxRequests = 50'000;

  /// The JSONL line (with '\n') asking `chat` under `custom_id`.
  [[nodiscard]] static std::string request_line(std::string_view custom_id, const wire::ChatRequest& chat);
  /// Uploads `jsonl` and creates a batch of it whose metadata names the run and the chunk.
  [[nodiscard]] BatchStatus create(const std::string& jsonl, const std::string& run, const std::string& chunk) const;
  /// The id of a batch made earlier for this run and chunk (listing /batches), if any.
  [[nodiscard]] std::optional<std::string> find(const std::string& run, const std::string& chunk) const;
  [[nodiscard]] BatchStatus retrieve(const std::string& id) const;
  [[nodiscard]] BatchStatus cancel(const std::string& id) const;
  /// Streams the rows of the output file, then of the error file; false with `error` when a
  /// file could not be read.
  bool results(const BatchStatus& batch, const std::function<void(const BatchRow&)>& on_row, std::string& error) const;

 private:
  BatchHttp http_;
};

}  // namespace leadscout::llm::detail

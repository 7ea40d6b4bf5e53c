// OpenAI's Batch API: a JSONL file uploaded to /files (purpose "batch"), a batch made of it at
// /batches, polled, and its output and error files read line by line.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "batch/batch_api.hpp"
#include "batch/batch_http.hpp"
#include "wire/chat_wire.hpp"

namespace leadscout::llm::detail {

class OpenAiBatch final : public BatchApi {
 public:
  explicit OpenAiBatch(BatchHttp http) : http_(std::move(http)) {}

  [[nodiscard]] Api api() const noexcept override { return Api::openai; }
  /// The size limit of one batch's input file.
  [[nodiscard]] std::size_t max_bytes() const noexcept override { return 200'000'000; }
  [[nodiscard]] std::size_t max_requests() const noexcept override { return 50'000; }
  /// The JSONL line (with '\n') asking `chat` under `custom_id`.
  [[nodiscard]] std::string entry(std::string_view custom_id, const wire::ChatRequest& chat) const override;
  /// Uploads the JSONL file and creates a batch of it whose metadata names the run and the chunk.
  [[nodiscard]] BatchStatus create(const std::vector<std::string>& entries, const std::string& run,
                                   const std::string& chunk) const override;
  /// Lists /batches for the one whose metadata names this run and chunk.
  [[nodiscard]] std::optional<std::string> find(const std::string& run, const std::string& chunk) const override;
  [[nodiscard]] BatchStatus retrieve(const std::string& id) const override;
  [[nodiscard]] BatchStatus cancel(const std::string& id) const override;
  /// The rows of the output file, then of the error file.
  bool results(const BatchStatus& batch, const std::function<void(const BatchRow&)>& on_row,
               std::string& error) const override;

 private:
  BatchHttp http_;
};

}  // namespace leadscout::llm::detail

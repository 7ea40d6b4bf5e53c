// Anthropic's Message Batches: one POST /messages/batches carrying every request, polled, and
// its results read line by line. It keeps no metadata, so a batch cannot be found again by its
// chunk: the window between the create and the journal's note is that one request.
#pragma once

#include "batch/batch_api.hpp"
#include "batch/batch_http.hpp"

namespace leadscout::llm::detail {

class AnthropicBatch final : public BatchApi {
 public:
  explicit AnthropicBatch(BatchHttp http) : http_(std::move(http)) {}

  [[nodiscard]] Api api() const noexcept override { return Api::anthropic; }
  [[nodiscard]] std::size_t max_bytes() const noexcept override { return 256'000'000; }
  [[nodiscard]] std::size_t max_requests() const noexcept override { return 100'000; }
  /// The id when it fits [A-Za-z0-9_-]{1,64}, else "h" and a 64-bit hash of it.
  [[nodiscard]] std::string custom_id(std::string_view id) const override;
  [[nodiscard]] std::string entry(std::string_view custom_id, const wire::ChatRequest& chat) const override;
  [[nodiscard]] BatchStatus create(const std::vector<std::string>& entries, const std::string& run,
                                   const std::string& chunk) const override;
  [[nodiscard]] std::optional<std::string> find(const std::string&, const std::string&) const override {
    return std::nullopt;
  }
  [[nodiscard]] BatchStatus retrieve(const std::string& id) const override;
  [[nodiscard]] BatchStatus cancel(const std::string& id) const override;
  bool results(const BatchStatus& batch, const std::function<void(const BatchRow&)>& on_row,
               std::string& error) const override;

 private:
  BatchHttp http_;
};

}  // namespace leadscout::llm::detail

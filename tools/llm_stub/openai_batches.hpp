// OpenAI's Files and Batch APIs on the stub: input files uploaded with purpose "batch", batches of
// /v1/chat/completions requests over them, and output and error files when they end.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "batch_store.hpp"
#include "responses.hpp"
#include "stats.hpp"

namespace leadscout::llm_stub {

/// The routes under /v1/files and /v1/batches, without HTTP (the key is checked before). Thread-safe.
class OpenAiBatches {
 public:
  OpenAiBatches(BatchStore::Answer answer, std::uint64_t seed, BatchOptions options, WallClock clock, Stats& stats);

  /// POST /v1/files (multipart: purpose, file).
  [[nodiscard]] Reply upload_file(std::string_view purpose, std::string filename, std::string content);
  /// GET /v1/files/{id}.
  [[nodiscard]] Reply file(std::string_view id);
  /// GET /v1/files/{id}/content.
  [[nodiscard]] Reply file_content(std::string_view id);
  /// POST /v1/batches {input_file_id, endpoint, completion_window, metadata}.
  [[nodiscard]] Reply create(std::string_view body);
  /// GET /v1/batches/{id}.
  [[nodiscard]] Reply retrieve(std::string_view id);
  /// GET /v1/batches?limit=&after=: newest first.
  [[nodiscard]] Reply list(std::optional<std::string> limit, std::string_view after);
  /// POST /v1/batches/{id}/cancel.
  [[nodiscard]] Reply cancel(std::string_view id);

 private:
  struct File {
    std::string id;
    std::string filename;
    std::string purpose;
    std::string content;
    std::int64_t created_at = 0;
  };

  /// Answers a batch's rows when due and writes its files once it has ended.
  void refresh(Batch& b, TimePoint now);
  [[nodiscard]] nlohmann::ordered_json batch_json(const Batch& b, TimePoint now) const;
  [[nodiscard]] static nlohmann::ordered_json file_json(const File& f);
  const File& add_file(std::string filename, std::string purpose, std::string content, TimePoint now);

  mutable std::mutex mutex_;
  BatchStore store_;
  WallClock clock_;
  Stats& stats_;
  std::map<std::string, File, std::less<>> files_;
};

}  // namespace leadscout::llm_stub

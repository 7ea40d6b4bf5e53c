// Helpers of the batch tests: a settable wall clock, batch request lines and bodies, and the
// stub's batch endpoints called without HTTP.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "anthropic_batches.hpp"
#include "openai_batches.hpp"
#include "service.hpp"
#include "stub_test_utils.hpp"

namespace leadscout::test {

/// A wall clock that moves only when a test moves it.
struct ManualClock {
  std::chrono::system_clock::time_point now{std::chrono::seconds(1'800'000'000)};
  [[nodiscard]] llm_stub::WallClock function() {
    return [this] { return now; };
  }
};

/// Options with batches of `duration` on `clock`.
inline llm_stub::StubOptions batch_options(ManualClock& clock, std::chrono::milliseconds duration) {
  llm_stub::StubOptions o;
  o.wall_clock = clock.function();
  o.batches.duration = duration;
  return o;
}

/// (custom_id, lead name) pairs.
using Rows = std::vector<std::pair<std::string, std::string>>;

/// An OpenAI batch input file: one line per row.
inline std::string openai_input(const Rows& rows) {
  std::string file;
  for (const auto& [id, name] : rows) {
    file += nlohmann::json{{"custom_id", id},
                           {"method", "POST"},
                           {"url", "/v1/chat/completions"},
                           {"body", nlohmann::json::parse(openai_request(name))}}
                .dump() +
            "\n";
  }
  return file;
}

/// An Anthropic batch create body.
inline std::string anthropic_batch(const Rows& rows) {
  nlohmann::json requests = nlohmann::json::array();
  for (const auto& [id, name] : rows) {
    requests.push_back({{"custom_id", id}, {"params", nlohmann::json::parse(anthropic_request(name))}});
  }
  return nlohmann::json{{"requests", requests}}.dump();
}

/// The JSON body of a reply that must be a 200.
inline nlohmann::json ok(const llm_stub::Reply& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  return nlohmann::json::parse(r.body);
}

/// Uploads `rows` and creates an OpenAI batch of them with `metadata`; the batch object.
inline nlohmann::json create_openai_batch(llm_stub::OpenAiBatches& b, const Rows& rows,
                                          nlohmann::json metadata = nullptr) {
  const auto file = ok(b.upload_file("batch", "input.jsonl", openai_input(rows)));
  nlohmann::json body = {{"input_file_id", file["id"]}, {"endpoint", "/v1/chat/completions"}, {"completion_window", "24h"}};
  if (!metadata.is_null()) body["metadata"] = std::move(metadata);
  return ok(b.create(body.dump()));
}

/// The JSON lines of a file's content or of results.
inline std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(nlohmann::json::parse(text.substr(start, end - start)));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

/// The lines of an OpenAI file, by id; none for a null id.
inline std::vector<nlohmann::json> openai_file_lines(llm_stub::OpenAiBatches& b, const nlohmann::json& id) {
  if (id.is_null()) return {};
  const llm_stub::Reply r = b.file_content(id.get<std::string>());
  EXPECT_EQ(r.status, 200) << r.body;
  return json_lines(r.body);
}

}  // namespace leadscout::test

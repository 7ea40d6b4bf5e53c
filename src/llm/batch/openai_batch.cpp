// OpenAI's Batch API on the wire.
#include "batch/openai_batch.hpp"

#include <nlohmann/json.hpp>

namespace leadscout::llm::detail {

namespace {

using nlohmann::json;

/// A 200 whose body is not what the call returns.
BatchStatus bad_answer(const std::string& what) {
  BatchStatus s;
  s.http_status = 200;
  s.error = what + ": unexpected answer";
  return s;
}

BatchStatus failed_call(const HttpResult& r, const std::string& what) {
  BatchStatus s;
  s.http_status = r.status;
  s.error = what + ": " + (r.status == 0 ? r.error_text : "HTTP " + std::to_string(r.status) + " " + wire::error_message(r.body));
  return s;
}

std::string string_at(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

BatchStatus status_of(const json& j) {
  BatchStatus s;
  s.id = string_at(j, "id");
  s.status = string_at(j, "status");
  s.output_file = string_at(j, "output_file_id");
  s.error_file = string_at(j, "error_file_id");
  s.ended = s.status == "completed" || s.status == "failed" || s.status == "expired" || s.status == "cancelled";
  if (const auto counts = j.find("request_counts"); counts != j.end() && counts->is_object()) {
    s.total = counts->value("total", std::int64_t{0});
    s.completed = counts->value("completed", std::int64_t{0});
    s.failed = counts->value("failed", std::int64_t{0});
  }
  return s;
}

BatchStatus batch_answer(const HttpResult& r, const std::string& what) {
  if (r.status != 200) return failed_call(r, what);
  const json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || string_at(j, "id").empty()) return bad_answer(what);
  BatchStatus s = status_of(j);
  s.http_status = 200;
  return s;
}

void read_row(std::string_view line, const std::function<void(const BatchRow&)>& on_row) {
  const json j = json::parse(line, nullptr, false);
  if (!j.is_object()) return;
  BatchRow row;
  row.custom_id = string_at(j, "custom_id");
  if (const auto response = j.find("response"); response != j.end() && response->is_object()) {
    row.status_code = response->value("status_code", 0);
    if (const auto body = response->find("body"); body != response->end()) row.body = body->dump();
  }
  if (const auto error = j.find("error"); error != j.end() && error->is_object()) {
    row.error_code = string_at(*error, "code");
    row.error_message = string_at(*error, "message");
  }
  if (!row.custom_id.empty()) on_row(row);
}

}  // namespace

std::string OpenAiBatch::entry(std::string_view custom_id, const wire::ChatRequest& chat) const {
  json line = {{"custom_id", custom_id},
               {"method", "POST"},
               {"url", "/v1/chat/completions"},
               {"body", json::parse(wire::request_body(Api::openai, chat))}};
  return line.dump() + "\n";
}

BatchStatus OpenAiBatch::create(const std::vector<std::string>& entries, const std::string& run,
                                const std::string& chunk) const {
  std::string jsonl;
  for (const std::string& line : entries) jsonl += line;
  const HttpResult file = http_.post_file("/files", "batch", "leadscout-" + chunk + ".jsonl", jsonl);
  if (file.status != 200) return failed_call(file, "file upload");
  const std::string file_id = string_at(json::parse(file.body, nullptr, false), "id");
  if (file_id.empty()) return bad_answer("file upload");
  const json body = {{"input_file_id", file_id},
                     {"endpoint", "/v1/chat/completions"},
                     {"completion_window", "24h"},
                     {"metadata", {{"leadscout_run", run}, {"leadscout_chunk", chunk}}}};
  return batch_answer(http_.post_json("/batches", body.dump()), "batch create");
}

std::optional<std::string> OpenAiBatch::find(const std::string& run, const std::string& chunk) const {
  std::string after;
  for (int page = 0; page < 100; ++page) {
    const HttpResult r = http_.get("/batches?limit=100" + (after.empty() ? std::string() : "&after=" + after));
    if (r.status != 200) return std::nullopt;
    const json j = json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) return std::nullopt;
    for (const json& b : j["data"]) {
      const json metadata = b.value("metadata", json::object());
      if (metadata.is_object() && metadata.value("leadscout_run", "") == run &&
          metadata.value("leadscout_chunk", "") == chunk) {
        return string_at(b, "id");
      }
    }
    if (!j.value("has_more", false) || j["data"].empty()) return std::nullopt;
    after = string_at(j["data"].back(), "id");
  }
  return std::nullopt;
}

BatchStatus OpenAiBatch::retrieve(const std::string& id) const { return batch_answer(http_.get("/batches/" + id), "batch retrieve"); }

BatchStatus OpenAiBatch::cancel(const std::string& id) const {
  return batch_answer(http_.post_json("/batches/" + id + "/cancel", "{}"), "batch cancel");
}

bool OpenAiBatch::results(const BatchStatus& batch, const std::function<void(const BatchRow&)>& on_row,
                          std::string& error) const {
  for (const std::string& file : {batch.output_file, batch.error_file}) {
    if (file.empty()) continue;
    const HttpResult r = http_.get_lines("/files/" + file + "/content", [&](std::string_view line) { read_row(line, on_row); });
    if (r.status != 200) {
      error = failed_call(r, "file " + file).error;
      return false;
    }
  }
  return true;
}

}  // namespace leadscout::llm::detail

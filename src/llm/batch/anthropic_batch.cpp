// Anthropic's Message Batches on the wire.
#include "batch/anthropic_batch.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace leadscout::llm::detail {

namespace {

using nlohmann::json;

std::string string_at(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

BatchStatus failed_call(const HttpResult& r, const std::string& what) {
  BatchStatus s;
  s.http_status = r.status;
  s.error = what + ": " + (r.status == 0 ? r.error_text : "HTTP " + std::to_string(r.status) + " " + wire::error_message(r.body));
  return s;
}

BatchStatus batch_answer(const HttpResult& r, const std::string& what) {
  if (r.status != 200) return failed_call(r, what);
  const json j = json::parse(r.body, nullptr, false);
  BatchStatus s;
  s.http_status = 200;
  if (!j.is_object() || string_at(j, "id").empty()) {
    s.error = what + ": unexpected answer";
    return s;
  }
  s.id = string_at(j, "id");
  s.status = string_at(j, "processing_status");
  s.ended = s.status == "ended";
  if (const auto counts = j.find("request_counts"); counts != j.end() && counts->is_object()) {
    for (const char* key : {"processing", "succeeded", "errored", "canceled", "expired"}) s.total += counts->value(key, std::int64_t{0});
    s.completed = counts->value("succeeded", std::int64_t{0});
    s.failed = s.total - s.completed - counts->value("processing", std::int64_t{0});
  }
  return s;
}

bool plain_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void read_row(std::string_view line, const std::function<void(const BatchRow&)>& on_row) {
  const json j = json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("result") || !j["result"].is_object()) return;
  const json& result = j["result"];
  BatchRow row;
  row.custom_id = string_at(j, "custom_id");
  const std::string type = string_at(result, "type");
  if (type == "succeeded" && result.contains("message")) {
    row.status_code = 200;
    row.body = result["message"].dump();
  } else if (type == "errored") {
    const json error = result.value("error", json::object());
    const json inner = error.is_object() ? error.value("error", json::object()) : json::object();
    const std::string kind = inner.is_object() ? string_at(inner, "type") : std::string();
    // A request the API refused is the item's; an overloaded or failing server is worth another batch.
    row.status_code = kind == "invalid_request_error" ? 400 : 500;
    row.body = error.dump();
    row.error_message = inner.is_object() ? string_at(inner, "message") : std::string();
  } else {
    row.error_code = type == "canceled" ? "batch_cancelled" : "batch_" + type;  // expired
  }
  if (!row.custom_id.empty()) on_row(row);
}

}  // namespace

std::string AnthropicBatch::custom_id(std::string_view id) const {
  if (plain_id(id)) return std::string(id);
  std::uint64_t h = 1469598103934665603ULL;
  for (const char c : id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  char buf[18];
  std::snprintf(buf, sizeof buf, "h%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string AnthropicBatch::entry(std::string_view custom_id, const wire::ChatRequest& chat) const {
  return json{{"custom_id", custom_id}, {"params", json::parse(wire::request_body(Api::anthropic, chat))}}.dump();
}

BatchStatus AnthropicBatch::create(const std::vector<std::string>& entries, const std::string&, const std::string&) const {
  std::string body = "{\"requests\":[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) body += ',';
    body += entries[i];
  }
  body += "]}";
  return batch_answer(http_.post_json("/messages/batches", body), "batch create");
}

BatchStatus AnthropicBatch::retrieve(const std::string& id) const {
  return batch_answer(http_.get("/messages/batches/" + id), "batch retrieve");
}

BatchStatus AnthropicBatch::cancel(const std::string& id) const {
  return batch_answer(http_.post_json("/messages/batches/" + id + "/cancel", "{}"), "batch cancel");
}

bool AnthropicBatch::results(const BatchStatus& batch, const std::function<void(const BatchRow&)>& on_row,
                             std::string& error) const {
  const HttpResult r = http_.get_lines("/messages/batches/" + batch.id + "/results",
                                       [&](std::string_view line) { read_row(line, on_row); });
  if (r.status == 200) return true;
  error = failed_call(r, "results of " + batch.id).error;
  return false;
}

}  // namespace leadscout::llm::detail

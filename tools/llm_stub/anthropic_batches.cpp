// The shapes follow Anthropic's Message Batches reference: RFC 3339 times, processing_status
// in_progress, canceling or ended, and results whose type is succeeded, errored, canceled or
// expired.
#include "anthropic_batches.hpp"

#include <charconv>
#include <chrono>
#include <set>

namespace leadscout::llm_stub {

namespace {

using ojson = nlohmann::ordered_json;

constexpr auto kWindow = std::chrono::hours(24);

Reply anthropic_error(int status, std::string_view message) { return error_reply(Api::anthropic, status, message); }

Reply no_such_batch(std::string_view id) { return anthropic_error(404, "message_batch " + std::string(id) + " not found"); }

bool valid_custom_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

/// The requests of a create body, or why they are refused.
std::string parse_requests(const nlohmann::json& j, std::int64_t max_requests, std::vector<BatchRequest>& out) {
  if (!j.is_object() || !j.contains("requests") || !j["requests"].is_array() || j["requests"].empty()) {
    return "requests: a non-empty array is required";
  }
  const nlohmann::json& requests = j["requests"];
  if (std::ssize(requests) > max_requests) {
    return "requests: at most " + std::to_string(max_requests) + " requests per batch, got " +
           std::to_string(requests.size());
  }
  std::set<std::string, std::less<>> ids;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const nlohmann::json& r = requests[i];
    const std::string at = "requests." + std::to_string(i);
    if (!r.is_object() || !r.contains("custom_id") || !r["custom_id"].is_string() ||
        !valid_custom_id(r["custom_id"].get_ref<const std::string&>())) {
      return at + ".custom_id: 1 to 64 letters, digits, '_' or '-'";
    }
    if (!r.contains("params") || !r["params"].is_object()) return at + ".params: an object is required";
    if (!ids.insert(r["custom_id"].get<std::string>()).second) {
      return at + ".custom_id: duplicate custom_id " + r["custom_id"].get<std::string>();
    }
    out.push_back({r["custom_id"].get<std::string>(), r["params"].dump()});
  }
  return {};
}

ojson time_or_null(std::optional<TimePoint> t) { return t ? ojson(format_rfc3339(*t)) : ojson(nullptr); }

ojson result_json(const RowResult& r) {
  switch (r.kind) {
    case RowResult::Kind::answered:
      return {{"type", "succeeded"}, {"message", ojson::parse(r.body)}};
    case RowResult::Kind::failed:
      return {{"type", "errored"}, {"error", ojson::parse(r.body)}};
    case RowResult::Kind::cancelled:
      return {{"type", "canceled"}};
    case RowResult::Kind::expired:
      break;
  }
  return {{"type", "expired"}};
}

std::optional<int> parse_limit(const std::optional<std::string>& text) {
  if (!text) return 20;
  int limit = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > 100) return std::nullopt;
  return limit;
}

}  // namespace

AnthropicBatches::AnthropicBatches(BatchStore::Answer answer, std::uint64_t seed, BatchOptions options,
                                   WallClock clock, Stats& stats)
    : store_("msgbatch_", seed, options, std::move(answer)), clock_(std::move(clock)), stats_(stats) {}

ojson AnthropicBatches::batch_json(Batch& b, TimePoint now, std::string_view base_url) {
  store_.advance(b, now);
  const Phase p = store_.phase(b, now);
  const bool ended = p == Phase::ended;
  const RowCounts c = BatchStore::counts(b);
  const std::string_view status = ended ? "ended" : p == Phase::cancelling ? "canceling" : "in_progress";
  const std::string results_url = std::string(base_url) + "/v1/messages/batches/" + b.id + "/results";
  return {{"id", b.id},
          {"type", "message_batch"},
          {"processing_status", status},
          {"request_counts",
           {{"processing", ended ? 0 : std::ssize(b.requests)},
            {"succeeded", ended ? c.answered : 0},
            {"errored", ended ? c.failed : 0},
            {"canceled", ended ? c.cancelled : 0},
            {"expired", ended ? c.expired : 0}}},
          {"ended_at", time_or_null(ended ? std::optional(store_.timeline(b).ended) : std::nullopt)},
          {"created_at", format_rfc3339(b.created)},
          {"expires_at", format_rfc3339(b.created + kWindow)},
          {"archived_at", nullptr},
          {"cancel_initiated_at", time_or_null(b.cancel_requested)},
          {"results_url", ended ? ojson(results_url) : ojson(nullptr)}};
}

Reply AnthropicBatches::create(std::string_view body, std::string_view base_url) {
  const auto max_bytes = store_.options().anthropic_max_bytes;
  if (std::ssize(body) > max_bytes) {
    return anthropic_error(413, "Request exceeds the maximum size of " + std::to_string(max_bytes) + " bytes");
  }
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  std::vector<BatchRequest> requests;
  if (const std::string problem = parse_requests(j, store_.options().anthropic_max_requests, requests);
      !problem.empty()) {
    return anthropic_error(400, problem);
  }
  const std::lock_guard lock(mutex_);
  const TimePoint now = clock_();
  std::int64_t duplicates = 0;
  Batch& b = store_.create(std::move(requests), now, duplicates);
  stats_.batch_created("anthropic", std::ssize(b.requests), duplicates);
  return json_reply(batch_json(b, now, base_url));
}

Reply AnthropicBatches::retrieve(std::string_view id, std::string_view base_url) {
  const std::lock_guard lock(mutex_);
  Batch* b = store_.find(id);
  return b == nullptr ? no_such_batch(id) : json_reply(batch_json(*b, clock_(), base_url));
}

Reply AnthropicBatches::results(std::string_view id) {
  const std::lock_guard lock(mutex_);
  Batch* b = store_.find(id);
  if (b == nullptr) return no_such_batch(id);
  const TimePoint now = clock_();
  store_.advance(*b, now);
  if (store_.phase(*b, now) != Phase::ended) {
    return anthropic_error(400, "message_batch " + std::string(id) + " has not ended; its results are not available yet");
  }
  Reply r;
  for (std::size_t i = 0; i < b->requests.size(); ++i) {
    r.body += ojson{{"custom_id", b->requests[i].custom_id}, {"result", result_json(b->results[i])}}.dump();
    r.body += '\n';
  }
  r.content_type = "application/binary";
  return r;
}

Reply AnthropicBatches::list(std::optional<std::string> limit_text, std::string_view after_id,
                             std::string_view base_url) {
  const std::optional<int> limit = parse_limit(limit_text);
  if (!limit) return anthropic_error(400, "limit: an integer from 1 to 100");
  const std::lock_guard lock(mutex_);
  const TimePoint now = clock_();
  bool has_more = false;
  ojson data = ojson::array();
  for (Batch* b : store_.list(after_id, static_cast<std::size_t>(*limit), has_more)) {
    data.push_back(batch_json(*b, now, base_url));
  }
  const auto id_at = [&data](std::size_t i) { return data.empty() ? ojson(nullptr) : data.at(i)["id"]; };
  return json_reply({{"data", data},
                     {"has_more", has_more},
                     {"first_id", id_at(0)},
                     {"last_id", id_at(data.empty() ? 0 : data.size() - 1)}});
}

Reply AnthropicBatches::cancel(std::string_view id, std::string_view base_url) {
  const std::lock_guard lock(mutex_);
  Batch* b = store_.find(id);
  if (b == nullptr) return no_such_batch(id);
  const TimePoint now = clock_();
  // Canceling an ended or canceling batch changes nothing; the batch comes back as it is.
  static_cast<void>(store_.cancel(*b, now));
  return json_reply(batch_json(*b, now, base_url));
}

}  // namespace leadscout::llm_stub

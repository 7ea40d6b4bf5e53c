// The shapes follow OpenAI's Batch API reference: a batch object's timestamps are null until
// reached, and its output and error files hold one JSON line per request.
#include "openai_batches.hpp"

#include <charconv>

namespace leadscout::llm_stub {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::string_view kEndpoint = "/v1/chat/completions";
constexpr std::int64_t kWindowSeconds = 24 * 3600;
constexpr std::size_t kMaxErrors = 10;  ///< validation errors reported per batch
constexpr std::size_t kMaxMetadata = 16;

Reply openai_error(int status, std::string_view message) { return error_reply(Api::openai, status, message); }

Reply no_such_object(std::string_view kind, std::string_view id) {
  return openai_error(404, "No such " + std::string(kind) + " object: " + std::string(id));
}

ojson seconds_or_null(std::optional<TimePoint> t) { return t ? ojson(unix_seconds(*t)) : ojson(nullptr); }

/// The input file's requests, or the errors that fail the batch at validation.
struct ParsedInput {
  std::vector<BatchRequest> requests;
  ojson errors = ojson::array();
};

void add_error(ParsedInput& in, std::string_view code, std::string message, std::size_t line) {
  if (in.errors.size() < kMaxErrors) {
    in.errors.push_back({{"code", code}, {"message", std::move(message)}, {"param", nullptr}, {"line", line}});
  }
}

/// Checks one line of the input file; adds its request or an error.
void parse_line(ParsedInput& in, std::string_view text, std::size_t line, std::set<std::string, std::less<>>& ids) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return add_error(in, "invalid_json_line", "This line is not a JSON object.", line);
  const auto id = j.find("custom_id");
  if (id == j.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    return add_error(in, "missing_required_parameter", "Missing required parameter: 'custom_id'.", line);
  }
  if (j.value("method", "") != "POST") return add_error(in, "invalid_method", "The method must be POST.", line);
  if (j.value("url", "") != kEndpoint) {
    return add_error(in, "invalid_url", "The url must be the batch's endpoint, /v1/chat/completions.", line);
  }
  const auto body = j.find("body");
  if (body == j.end() || !body->is_object()) {
    return add_error(in, "missing_required_parameter", "Missing required parameter: 'body'.", line);
  }
  if (!ids.insert(id->get<std::string>()).second) {
    return add_error(in, "duplicate_custom_id", "The custom_id " + id->get<std::string>() + " is used twice.", line);
  }
  in.requests.push_back({id->get<std::string>(), body->dump()});
}

ParsedInput parse_input(std::string_view content, std::int64_t max_requests) {
  ParsedInput in;
  std::set<std::string, std::less<>> ids;
  std::size_t line = 0;
  for (std::size_t start = 0; start < content.size();) {
    const std::size_t end = std::min(content.find('\n', start), content.size());
    std::string_view text = content.substr(start, end - start);
    if (text.ends_with('\r')) text.remove_suffix(1);
    ++line;
    if (!text.empty()) parse_line(in, text, line, ids);
    start = end + 1;
  }
  if (in.requests.empty() && in.errors.empty()) add_error(in, "empty_file", "The input file has no requests.", 0);
  if (std::ssize(in.requests) > max_requests) {
    add_error(in, "too_many_requests",
              "The input file has " + std::to_string(in.requests.size()) + " requests; a batch takes at most " +
                  std::to_string(max_requests) + ".",
              0);
  }
  return in;
}

/// Why a create body is refused (empty if it is not), and its metadata.
std::string check_create(const nlohmann::json& j) {
  if (!j.is_object()) return "The body must be a JSON object.";
  if (!j.contains("input_file_id") || !j["input_file_id"].is_string()) return "Missing required parameter: 'input_file_id'.";
  if (j.value("endpoint", "") != kEndpoint) return "endpoint: the stub serves batches of /v1/chat/completions.";
  if (j.value("completion_window", "") != "24h") return "completion_window: only '24h' is supported.";
  if (const auto m = j.find("metadata"); m != j.end() && !m->is_null()) {
    if (!m->is_object() || m->size() > kMaxMetadata) return "metadata: an object of at most 16 string values.";
    for (const auto& [key, value] : m->items()) {
      if (!value.is_string() || key.size() > 64 || value.get_ref<const std::string&>().size() > 512) {
        return "metadata: keys up to 64 and values up to 512 characters, all strings.";
      }
    }
  }
  return {};
}

std::string_view status_name(Phase p, Ending e) {
  switch (p) {
    case Phase::validating:
      return "validating";
    case Phase::in_progress:
      return "in_progress";
    case Phase::finalizing:
      return "finalizing";
    case Phase::cancelling:
      return "cancelling";
    case Phase::ended:
      break;
  }
  switch (e) {
    case Ending::completed:
      return "completed";
    case Ending::expired:
      return "expired";
    case Ending::cancelled:
      return "cancelled";
    case Ending::failed:
      break;
  }
  return "failed";
}

/// One line of an output or error file.
ojson result_line(std::string id, const BatchRequest& request, const RowResult& r) {
  ojson line = {{"id", std::move(id)}, {"custom_id", request.custom_id}};
  if (r.kind == RowResult::Kind::answered || r.kind == RowResult::Kind::failed) {
    line["response"] = {{"status_code", r.status}, {"request_id", r.request_id}, {"body", ojson::parse(r.body)}};
    line["error"] = nullptr;
  } else if (r.kind == RowResult::Kind::expired) {
    line["response"] = nullptr;
    line["error"] = {{"code", "batch_expired"},
                     {"message", "This request could not be executed before the completion window expired."}};
  } else {
    line["response"] = nullptr;
    line["error"] = {{"code", "batch_cancelled"},
                     {"message", "This request was not executed because the batch was cancelled."}};
  }
  return line;
}

}  // namespace

OpenAiBatches::OpenAiBatches(BatchStore::Answer answer, std::uint64_t seed, BatchOptions options, WallClock clock,
                             Stats& stats)
    : store_("batch_", seed, options, std::move(answer)), clock_(std::move(clock)), stats_(stats) {}

const OpenAiBatches::File& OpenAiBatches::add_file(std::string filename, std::string purpose, std::string content,
                                                   TimePoint now) {
  File f{store_.new_id("file-"), std::move(filename), std::move(purpose), std::move(content), unix_seconds(now)};
  const std::string id = f.id;
  return files_.emplace(id, std::move(f)).first->second;
}

ojson OpenAiBatches::file_json(const File& f) {
  return {{"id", f.id},           {"object", "file"},   {"bytes", f.content.size()},
          {"created_at", f.created_at}, {"expires_at", nullptr}, {"filename", f.filename},
          {"purpose", f.purpose}, {"status", "processed"}, {"status_details", nullptr}};
}

Reply OpenAiBatches::upload_file(std::string_view purpose, std::string filename, std::string content) {
  if (purpose != "batch") return openai_error(400, "purpose: the stub takes files of purpose 'batch'.");
  const auto limit = store_.options().openai_max_file_bytes;
  if (std::ssize(content) > limit) {
    return openai_error(400, "File is too large: " + std::to_string(content.size()) + " bytes; a batch input file may have at most " +
                          std::to_string(limit) + " bytes.");
  }
  const std::lock_guard lock(mutex_);
  return json_reply(file_json(add_file(std::move(filename), "batch", std::move(content), clock_())));
}

Reply OpenAiBatches::file(std::string_view id) {
  const std::lock_guard lock(mutex_);
  const auto it = files_.find(id);
  return it == files_.end() ? no_such_object("File", id) : json_reply(file_json(it->second));
}

Reply OpenAiBatches::file_content(std::string_view id) {
  const std::lock_guard lock(mutex_);
  const auto it = files_.find(id);
  if (it == files_.end()) return no_such_object("File", id);
  Reply r;
  r.body = it->second.content;
  r.content_type = "application/octet-stream";
  return r;
}

void OpenAiBatches::refresh(Batch& b, TimePoint now) {
  store_.advance(b, now);
  if (b.failed || store_.phase(b, now) != Phase::ended || !b.output_file_id.empty() || !b.error_file_id.empty()) return;
  std::string output;
  std::string errors;
  for (std::size_t i = 0; i < b.requests.size(); ++i) {
    const RowResult& r = b.results[i];
    std::string& file = r.kind == RowResult::Kind::answered ? output : errors;
    file += result_line(store_.new_id("batch_req_"), b.requests[i], r).dump();
    file += '\n';
  }
  const auto name = [&b](std::string_view kind) { return b.id + "_" + std::string(kind) + ".jsonl"; };
  if (!output.empty()) b.output_file_id = add_file(name("output"), "batch_output", std::move(output), now).id;
  if (!errors.empty()) b.error_file_id = add_file(name("error"), "batch_output", std::move(errors), now).id;
}

ojson OpenAiBatches::batch_json(const Batch& b, TimePoint now) const {
  const Phase p = store_.phase(b, now);
  const Ending e = BatchStore::ending(b);
  const Timeline t = store_.timeline(b);
  const bool ended = p == Phase::ended;
  const auto at = [](bool reached, TimePoint when) { return reached ? std::optional(when) : std::nullopt; };
  const bool started = !b.failed && now >= t.in_progress && (!b.cancel_requested || *b.cancel_requested >= t.in_progress);
  const RowCounts c = BatchStore::counts(b);
  const auto id_or_null = [](const std::string& id) { return id.empty() ? ojson(nullptr) : ojson(id); };
  ojson j = {{"id", b.id},
             {"object", "batch"},
             {"endpoint", kEndpoint},
             {"errors", b.errors.is_null() ? ojson(nullptr) : ojson{{"object", "list"}, {"data", b.errors}}},
             {"input_file_id", b.input_file_id},
             {"completion_window", "24h"},
             {"status", status_name(p, e)},
             {"output_file_id", id_or_null(b.output_file_id)},
             {"error_file_id", id_or_null(b.error_file_id)},
             {"created_at", unix_seconds(b.created)},
             {"in_progress_at", seconds_or_null(at(started, t.in_progress))},
             {"expires_at", unix_seconds(b.created) + kWindowSeconds},
             {"finalizing_at", seconds_or_null(at(e == Ending::completed && now >= t.finalizing, t.finalizing))},
             {"completed_at", seconds_or_null(at(ended && e == Ending::completed, t.ended))},
             {"failed_at", seconds_or_null(at(b.failed, b.created))},
             {"expired_at", seconds_or_null(at(ended && e == Ending::expired, t.ended))},
             {"cancelling_at", seconds_or_null(b.cancel_requested)},
             {"cancelled_at", seconds_or_null(at(ended && e == Ending::cancelled, t.ended))},
             {"request_counts",
              {{"total", b.requests.size()}, {"completed", c.answered}, {"failed", c.failed + c.expired + c.cancelled}}},
             {"metadata", b.metadata}};
  return j;
}

Reply OpenAiBatches::create(std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (const std::string problem = check_create(j); !problem.empty()) return openai_error(400, problem);
  const std::string input = j["input_file_id"].get<std::string>();
  const std::lock_guard lock(mutex_);
  const auto file = files_.find(input);
  if (file == files_.end()) return no_such_object("File", input);
  if (file->second.purpose != "batch") return openai_error(400, "input_file_id: the file's purpose is not 'batch'.");
  const TimePoint now = clock_();
  ParsedInput in = parse_input(file->second.content, store_.options().openai_max_requests);
  std::int64_t duplicates = 0;
  Batch& b = in.errors.empty() ? store_.create(std::move(in.requests), now, duplicates)
                               : store_.create_failed(std::move(in.errors), now);
  b.input_file_id = input;
  b.metadata = j.contains("metadata") ? j["metadata"] : nlohmann::json(nullptr);
  stats_.batch_created("openai", std::ssize(b.requests), duplicates);
  refresh(b, now);
  return json_reply(batch_json(b, now));
}

Reply OpenAiBatches::retrieve(std::string_view id) {
  const std::lock_guard lock(mutex_);
  Batch* b = store_.find(id);
  if (b == nullptr) return no_such_object("Batch", id);
  const TimePoint now = clock_();
  refresh(*b, now);
  return json_reply(batch_json(*b, now));
}

Reply OpenAiBatches::list(std::optional<std::string> limit_text, std::string_view after) {
  int limit = 20;
  if (limit_text) {
    const auto [end, ec] = std::from_chars(limit_text->data(), limit_text->data() + limit_text->size(), limit);
    if (ec != std::errc() || end != limit_text->data() + limit_text->size() || limit < 1 || limit > 100) {
      return openai_error(400, "limit: an integer from 1 to 100.");
    }
  }
  const std::lock_guard lock(mutex_);
  const TimePoint now = clock_();
  bool has_more = false;
  ojson data = ojson::array();
  for (Batch* b : store_.list(after, static_cast<std::size_t>(limit), has_more)) {
    refresh(*b, now);
    data.push_back(batch_json(*b, now));
  }
  const auto id_at = [&data](std::size_t i) { return data.empty() ? ojson(nullptr) : data.at(i)["id"]; };
  return json_reply({{"object", "list"},
                     {"data", data},
                     {"first_id", id_at(0)},
                     {"last_id", id_at(data.empty() ? 0 : data.size() - 1)},
                     {"has_more", has_more}});
}

Reply OpenAiBatches::cancel(std::string_view id) {
  const std::lock_guard lock(mutex_);
  Batch* b = store_.find(id);
  if (b == nullptr) return no_such_object("Batch", id);
  const TimePoint now = clock_();
  refresh(*b, now);
  const Phase p = store_.phase(*b, now);
  if (p != Phase::cancelling && !store_.cancel(*b, now)) {
    return openai_error(400, "Cannot cancel a batch with status '" +
                          std::string(status_name(p, BatchStore::ending(*b))) + "'.");
  }
  refresh(*b, now);
  return json_reply(batch_json(*b, now));
}

}  // namespace leadscout::llm_stub

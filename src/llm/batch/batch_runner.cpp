// Batch mode: chunks, batches, polls and rows, each attempt finished exactly once.
#include "batch/batch_runner.hpp"

#include <algorithm>
#include <cstdio>

#include "batch/anthropic_batch.hpp"
#include "batch/batch_reply.hpp"
#include "batch/openai_batch.hpp"
#include "call.hpp"
#include "leadscout/error.hpp"
#include "schema/schema_access.hpp"

namespace leadscout::llm::detail {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::size_t kChunksInFlight = 20;  ///< chunks admitted ahead: items in them count as in flight

/// FNV-1a of the ids in order: names a chunk at the provider.
std::string digest(const std::vector<std::string>& ids) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const std::string& id : ids) {
    for (const char c : id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ 0xFFU) * 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

bool retryable_row(const BatchRow& row) {
  if (!row.error_code.empty() && row.status_code == 0) return true;  // batch_expired, batch_cancelled, ...
  return row.status_code == 429 || row.status_code >= 500;
}

/// A final failure of an item; `halt` stops the run (every item would fail alike).
Reply failed(std::string reason, bool halt = false) {
  return ReplyAccess::failed(batch::Failure{.reason = std::move(reason), .retry = batch::Retry::no,
                                            .retry_after = milliseconds(0), .halt = halt}, 0);
}

std::unique_ptr<BatchApi> api_of(const ResolvedEndpoint& e, const ClientOptions& o) {
  BatchHttp http(e.spec.base_url, o.ca_file, wire::auth_headers(e.spec.api, e.key), o.timeout);
  if (e.spec.api == Api::anthropic) return std::make_unique<AnthropicBatch>(std::move(http));
  return std::make_unique<OpenAiBatch>(std::move(http));
}

}  // namespace

BatchRunner::BatchRunner(ClientState& client, const RunOptions& options, std::function<Request(std::size_t)> request_of)
    : client_(client), options_(options), request_of_(std::move(request_of)),
      api_(api_of(client.endpoints.front(), client.options)),
      cache_(client.cache.get(), client.endpoints.front().spec.api, client.endpoints.front().spec.model) {
  options_.max_batch_requests = std::clamp<std::size_t>(options_.max_batch_requests, 1, api_->max_requests());
  options_.poll_interval = std::max(options_.poll_interval, milliseconds(1));
}

void BatchRunner::run(DeferredPort& port) noexcept {
  try {
    restore(port);
    loop(port);
  } catch (const std::exception& e) {
    // The engine would wait for attempts nobody takes: a halting failure stops the run.
    client_.api.critical("LLM batch mode failed", {{"error", e.what()}});
    const std::string why = std::string("batch mode failed: ") + e.what();
    if (!held_.empty()) finish(port, std::string(held_.begin()->first), failed(why, true), false);
  }
  if (options_.cancel_on_stop) cancel_open();
  // Stopped: the provider keeps the batches; a resume collects them.
  for (auto& [id, held] : held_) port.abandon(held.attempt);
  held_.clear();
}

void BatchRunner::restore(DeferredPort& port) {
  std::unordered_map<std::uint64_t, Open> chunks;
  std::unordered_map<std::uint64_t, std::string> keys;
  for (const std::string& text : port.notes()) {
    const json n = json::parse(text, nullptr, false);
    if (!n.is_object() || !n.contains("chunk")) continue;
    const std::uint64_t chunk = n["chunk"].get<std::uint64_t>();
    next_chunk_ = std::max(next_chunk_, chunk + 1);
    if (n.value("done", false)) {
      chunks.erase(chunk);
    } else if (n.contains("ids")) {
      Open& open = chunks[chunk];
      open.chunk = chunk;
      open.ids = n["ids"].get<std::vector<std::string>>();
      keys[chunk] = n.value("key", "");
    } else if (auto it = chunks.find(chunk); it != chunks.end() && n.contains("batch")) {
      it->second.batch = n["batch"].get<std::string>();
    }
  }
  for (auto& [chunk, open] : chunks) {
    if (open.batch.empty()) {
      const std::optional<std::string> found = api_->find(port.operation(), keys[chunk]);
      if (!found) continue;  // never created: its items go into a new chunk
      open.batch = *found;
      note(port, json{{"chunk", chunk}, {"batch", open.batch}});
    }
    client_.api.info("LLM batch resumed", {{"batch_id", open.batch}, {"chunk", chunk}, {"requests", open.ids.size()}});
    for (const std::string& id : open.ids) {
      expected_[id] = chunk;
      if (std::string custom = api_->custom_id(id); custom != id) item_of_[custom] = id;
    }
    open.next_poll = port.clock().now();
    open.created = open.next_poll;
    open.status_since = open.next_poll;
    open.interval = std::min(options_.poll_interval, milliseconds(1000));
    open_.push_back(std::move(open));
  }
}

void BatchRunner::loop(DeferredPort& port) {
  for (;;) {
    if (port.stopping()) return;
    const bool more = take(port);
    submit(port);
    if (!more && held_.empty()) return;
    const auto now = port.clock().now();
    auto wake = now + options_.poll_interval;
    for (std::size_t i = 0; i < open_.size() && !port.stopping(); ++i) {
      if (open_[i].next_poll <= now) poll(port, open_[i]);
    }
    std::erase_if(open_, [](const Open& o) { return o.batch.empty(); });
    show(port);
    for (const Open& o : open_) wake = std::min(wake, o.next_poll);
    if (!open_.empty() && queue_.empty()) port.sleep_until(wake);
  }
}

bool BatchRunner::take(DeferredPort& port) {
  const std::size_t room = options_.max_batch_requests * kChunksInFlight;
  if (held_.size() >= room) return true;
  std::vector<DeferredAttempt> got;
  const milliseconds wait = open_.empty() && queue_.empty() ? milliseconds(1000) : milliseconds(0);
  const bool more = port.take(got, room - held_.size(), wait);
  for (DeferredAttempt& a : got) {
    const auto expected = expected_.find(a.id);
    Held held{.attempt = a, .batches = 0, .chunk = expected != expected_.end() ? expected->second : 0};
    const bool is_new = held.chunk == 0;
    held_[a.id] = std::move(held);
    if (is_new) enqueue(port, a.id);
  }
  return more;
}

void BatchRunner::enqueue(DeferredPort& port, const std::string& id) {
  Request request;
  std::string error;
  std::optional<CachedAnswer> hit;
  const auto route = request_at(held_.at(id).attempt.index, request, error) ? cache_.route(id, request, hit)
                                                                             : BatchCache::Route::submit;
  if (route == BatchCache::Route::cached) {
    finish_cached(port, id, *hit);
  } else if (route == BatchCache::Route::submit) {
    queue_.push_back(id);
  }
}

void BatchRunner::finish_cached(DeferredPort& port, const std::string& id, const CachedAnswer& answer) {
  current_hit_ = answer;
  finish(port, id, ReplyAccess::cached(0, answer, extract_json_value(answer.text)), false);
  current_hit_.reset();
}

void BatchRunner::submit(DeferredPort& port) {
  std::vector<std::string> ids;
  std::vector<std::string> entries;
  std::size_t bytes = 0;
  std::int64_t tokens = 0;
  while (!queue_.empty() && !port.stopping()) {
    const std::string id = std::move(queue_.front());
    queue_.pop_front();
    const auto it = held_.find(id);
    if (it == held_.end()) continue;
    std::string schema_error;
    const wire::ChatRequest chat = chat_of(it->second.attempt.index, schema_error);
    if (!schema_error.empty()) {
      const bool halt = schema_error.starts_with("invalid_schema");  // every item would fail alike
      finish(port, id, failed(schema_error, halt), false);
      continue;
    }
    std::string custom = api_->custom_id(id);
    std::string entry = api_->entry(custom, chat);
    if (custom != id) item_of_[std::move(custom)] = id;
    const std::int64_t estimate = estimate_tokens(chat);
    const bool over_tokens = options_.max_batch_tokens > 0 && tokens + estimate > options_.max_batch_tokens;
    if (!ids.empty() && (ids.size() >= options_.max_batch_requests || bytes + entry.size() + 1 > api_->max_bytes() ||
                         over_tokens)) {
      submit_chunk(port, std::move(ids), std::move(entries));
      ids.clear();
      entries.clear();
      bytes = 0;
      tokens = 0;
    }
    bytes += entry.size() + 1;
    tokens += estimate;
    ids.push_back(id);
    entries.push_back(std::move(entry));
  }
  if (!ids.empty()) submit_chunk(port, std::move(ids), std::move(entries));
}

void BatchRunner::submit_chunk(DeferredPort& port, std::vector<std::string> sent, std::vector<std::string> entries) {
  const std::uint64_t chunk = next_chunk_++;
  const std::string key = std::to_string(chunk) + "-" + digest(sent);
  note(port, json{{"chunk", chunk}, {"run", port.operation()}, {"key", key}, {"ids", sent}});
  const BatchStatus created = api_->create(entries, port.operation(), key);
  entries = {};
  if (!created.error.empty()) {
    client_.api.warning("LLM batch not created", {{"chunk", chunk}, {"error", created.error}});
    note(port, json{{"chunk", chunk}, {"done", true}});
    const bool refused = created.http_status == 401 || created.http_status == 403;
    for (const std::string& id : sent) {
      if (refused) {
        finish(port, id, failed(created.error, true), false);
        return;  // the halt stops the run; the rest waits for a resume
      }
      again(port, id, "batch_not_created");
    }
    return;
  }
  note(port, json{{"chunk", chunk}, {"batch", created.id}});
  client_.api.info("LLM batch created", {{"batch_id", created.id}, {"chunk", chunk}, {"requests", sent.size()},
                                         {"status", created.status}});
  for (const std::string& id : sent) {
    Held& held = held_.at(id);
    held.chunk = chunk;
    ++held.batches;
  }
  Open open{.chunk = chunk, .batch = created.id, .ids = std::move(sent), .next_poll = {},
            .interval = std::min(options_.poll_interval / 16, milliseconds(1000)), .status = created.status,
            .status_since = port.clock().now(), .warned = false, .created = port.clock().now()};
  schedule(open, port.clock().now());
  open_.push_back(std::move(open));
}

void BatchRunner::schedule(Open& open, batch::Clock::time_point now) {
  open.interval = std::clamp(open.interval * 2, milliseconds(1), options_.poll_interval);
  std::uniform_int_distribution<long long> spread(0, open.interval.count() / 10);
  open.next_poll = now + open.interval - milliseconds(spread(jitter_));
}

void BatchRunner::poll(DeferredPort& port, Open& open) {
  const BatchStatus status = api_->retrieve(open.batch);
  if (!status.error.empty()) {
    client_.api.warning("LLM batch poll failed", {{"batch_id", open.batch}, {"error", status.error}});
    schedule(open, port.clock().now());
    return;
  }
  watch(open, status, port.clock().now());
  if (!status.ended) {
    schedule(open, port.clock().now());
    return;
  }
  collect(port, open, status);
  open.batch.clear();  // erased by the loop
}

// A batch runs for up to its 24-hour window; any other status (validating, finalizing,
// cancelling) should pass within minutes, and one that does not is worth a person's look.
void BatchRunner::watch(Open& open, const BatchStatus& status, batch::Clock::time_point now) {
  open.completed = static_cast<std::uint64_t>(std::max<std::int64_t>(status.completed, 0));
  open.failed = static_cast<std::uint64_t>(std::max<std::int64_t>(status.failed, 0));
  if (status.status != open.status) {
    client_.api.info("LLM batch status", {{"batch_id", open.batch}, {"status", status.status},
                                          {"completed", status.completed}, {"failed", status.failed},
                                          {"total", status.total}});
    open.status = status.status;
    open.status_since = now;
    open.warned = false;
    return;
  }
  const milliseconds limit = status.status == "in_progress" ? milliseconds(std::chrono::hours(25)) : options_.poll_interval * 60;
  if (open.warned || now - open.status_since < limit) return;
  open.warned = true;
  client_.api.warning("LLM batch stuck", {{"batch_id", open.batch}, {"status", status.status},
                                          {"in_status_s", std::chrono::duration_cast<std::chrono::seconds>(now - open.status_since).count()},
                                          {"completed", status.completed}, {"total", status.total}});
}

void BatchRunner::collect(DeferredPort& port, const Open& open, const BatchStatus& status) {
  std::string error;
  if (!api_->results(status, [&](const BatchRow& row) { on_row(port, open.chunk, row); }, error)) {
    client_.api.warning("LLM batch results unreadable", {{"batch_id", open.batch}, {"error", error}});
  }
  // What the files did not answer (an expired or failed batch's rest): a new batch.
  for (const std::string& id : open.ids) {
    const auto it = held_.find(id);
    if (it != held_.end() && it->second.chunk == open.chunk) again(port, id, "batch_" + status.status);
  }
  note(port, json{{"chunk", open.chunk}, {"done", true}});
}

const std::string& BatchRunner::item_id(const std::string& custom_id) const {
  const auto it = item_of_.find(custom_id);
  return it == item_of_.end() ? custom_id : it->second;
}

void BatchRunner::on_row(DeferredPort& port, std::uint64_t chunk, const BatchRow& row) {
  const std::string id = item_id(row.custom_id);
  const auto it = held_.find(id);
  if (it == held_.end() || it->second.chunk != chunk) return;  // finished already, or not this run's
  if (row.status_code == 200) {
    finish(port, id, reply_of(id, row), false);
  } else if (retryable_row(row)) {
    again(port, id, row.error_code.empty() ? "server_error" : row.error_code);
  } else {
    const std::string message = row.error_message.empty() ? wire::error_message(row.body) : row.error_message;
    finish(port, id, failed("bad_request: " + message), false);
  }
}

void BatchRunner::again(DeferredPort& port, const std::string& id, const std::string& reason) {
  Held& held = held_.at(id);
  held.chunk = 0;
  if (held.batches <= options_.resubmit) {
    queue_.push_back(id);
  } else if (options_.online_fallback) {
    finish(port, id, Reply(), true);
  } else {
    finish(port, id, failed(reason), false);
  }
}

void BatchRunner::finish(DeferredPort& port, const std::string& id, Reply reply, bool online) {
  const auto it = held_.find(id);
  if (it == held_.end()) return;
  const DeferredAttempt attempt = it->second.attempt;
  held_.erase(it);
  current_ = std::move(reply);
  current_online_ = online;
  port.finish(attempt);  // the item's callback reads current()
  // Identical requests that waited for this one: its answer, else each asks again.
  std::optional<CachedAnswer> answer;
  for (const std::string& waiting : cache_.finished(id, current_, answer)) {
    if (answer) {
      finish_cached(port, waiting, *answer);
    } else if (online) {
      finish(port, waiting, Reply(), true);
    } else {
      enqueue(port, waiting);
    }
  }
}

bool BatchRunner::request_at(std::size_t index, Request& out, std::string& error) {
  try {
    out = request_of_(index);
    return true;
  } catch (const std::exception& e) {
    error = std::string("exception: ") + e.what();  // the item fails; the run goes on
    return false;
  }
}

wire::ChatRequest BatchRunner::chat_of(std::size_t index, std::string& schema_error) {
  Request request;
  if (!request_at(index, request, schema_error)) return {};
  return chat_request(client_, endpoint(), request, schema_error);
}

Reply BatchRunner::reply_of(const std::string& id, const BatchRow& row) {
  Request request;
  std::string request_error;
  const bool asked = request_at(held_.at(id).attempt.index, request, request_error);
  return row_reply(client_, endpoint(), api_->api(), id, asked ? &request : nullptr, request_error, row);
}

void BatchRunner::cancel_open() {
  for (const Open& open : open_) {
    if (open.batch.empty()) continue;
    const BatchStatus status = api_->cancel(open.batch);
    if (status.error.empty()) {
      client_.api.warning("LLM batch cancelled", {{"batch_id", open.batch}, {"chunk", open.chunk}});
    } else {
      client_.api.error("LLM batch not cancelled", {{"batch_id", open.batch}, {"error", status.error}});
    }
  }
}

void BatchRunner::show(DeferredPort& port) const {
  std::vector<batch::detail::DeferredBatch> batches;
  batches.reserve(open_.size());
  for (const Open& o : open_) {
    batches.push_back({.id = o.batch, .status = o.status, .requests = o.ids.size(), .completed = o.completed,
                       .failed = o.failed, .created = o.created, .status_since = o.status_since});
  }
  port.show(std::move(batches));
}

void BatchRunner::note(DeferredPort& port, const nlohmann::json& record) {
  if (const int err = port.note(record.dump()); err != 0) throw Error("journal write failed for a batch note");
}

}  // namespace leadscout::llm::detail

// Batch mode: chunks, batches, polls and rows, each attempt finished exactly once.
#include "batch/batch_runner.hpp"

#include <algorithm>
#include <utility>

#include "batch/anthropic_batch.hpp"
#include "batch/batch_notes.hpp"
#include "batch/batch_reply.hpp"
#include "batch/openai_batch.hpp"
#include "call.hpp"
#include "leadscout/error.hpp"
#include "schema/schema_access.hpp"

namespace leadscout::llm::detail {

namespace {

using std::chrono::milliseconds;

constexpr std::size_t kChunksInFlight = 20;  ///< chunks admitted ahead: items in them count as in flight

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

BatchRunner::BatchRunner(ClientState& client, const RunOptions& options, std::function<Request(const void*)> request_of,
                         std::function<bool(const void*)> answered_locally)
    : client_(client), options_(options), request_of_(std::move(request_of)), answered_locally_(std::move(answered_locally)),
      api_(api_of(client.endpoints.front(), client.options)),
      budget_(client.endpoints.front().spec.quota, client.endpoints.front().batch_price),
      cache_(client.cache.get(), client.endpoints.front().spec.api, client.endpoints.front().spec.model) {
  options_.max_batch_requests = std::clamp<std::size_t>(options_.max_batch_requests, 1, api_->max_requests());
  options_.poll_interval = std::max(options_.poll_interval, milliseconds(1));
}

std::size_t BatchRunner::capacity() const noexcept { return options_.max_batch_requests * kChunksInFlight; }

void BatchRunner::run(DeferredPort& port) noexcept {
  port_ = &port;
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
  // Stopped: the provider keeps the batches; a resume collects them. (Rows hold a reservation
  // only when their quota was found.)
  budget_.release_all(port);
  for (auto& [id, held] : held_) port.abandon(held.attempt);
  held_.clear();
}

void BatchRunner::restore(DeferredPort& port) {
  for (NotedChunk& noted : unfinished_chunks(port.notes(), next_chunk_)) {
    if (noted.batch.empty()) {
      const std::optional<std::string> found = api_->find(port.operation(), noted.key);
      if (!found) continue;  // never created: its items go into a new chunk
      noted.batch = *found;
      note(port, batch_note(noted.chunk, noted.batch));
    }
    client_.api.info("LLM batch resumed", {{"batch_id", noted.batch}, {"chunk", noted.chunk}, {"requests", noted.ids.size()}});
    for (const std::string& id : noted.ids) {
      reattached_.expect(id, noted.chunk);
      if (std::string custom = api_->custom_id(id); custom != id) item_of_[custom] = id;
    }
    const auto now = port.clock().now();
    open_.push_back(Open{.chunk = noted.chunk, .batch = std::move(noted.batch), .ids = std::move(noted.ids),
                         .next_poll = now, .interval = std::min(options_.poll_interval, milliseconds(1000)),
                         .status = {}, .status_since = now, .warned = false, .created = now});
  }
}

void BatchRunner::loop(DeferredPort& port) {
  for (;;) {
    if (port.stopping()) return;
    const bool more = take(port);
    if (!more) reattached_.admission_ended();
    budget_wait_ = false;
    submit(port);
    go_online(port);
    if (!more && held_.empty()) return;
    const auto now = port.clock().now();
    auto wake = now + options_.poll_interval;
    for (std::size_t i = 0; i < open_.size() && !port.stopping(); ++i) {
      if (open_[i].next_poll <= now) poll(port, open_[i]);
    }
    std::erase_if(open_, [](const Open& o) { return o.batch.empty(); });
    show(port);
    for (const Open& o : open_) wake = std::min(wake, o.next_poll);
    // Spend of other shards or permits may settle meanwhile.
    if (budget_wait_) wake = std::min(wake, now + milliseconds(1000));
    if ((queue_.empty() || budget_wait_) && (!open_.empty() || budget_wait_)) port.sleep_until(wake);
  }
}

bool BatchRunner::take(DeferredPort& port) {
  const std::size_t room = capacity();
  if (held_.size() >= room) return true;
  std::vector<DeferredAttempt> got;
  const milliseconds wait = open_.empty() && queue_.empty() ? milliseconds(1000) : milliseconds(0);
  const bool more = port.take(got, room - held_.size(), wait);
  std::vector<double> attached;  // the costs of rows at the provider already
  std::vector<std::pair<std::uint64_t, BatchRow>> returned;  // rows that came back before their item
  for (DeferredAttempt& a : got) {
    std::uint64_t chunk = reattached_.chunk_of(a.id);
    std::optional<BatchRow> row = reattached_.take_row(a.id);
    if (!row && !is_open(chunk)) chunk = 0;  // its batch ended without its row: asked again
    held_[a.id] = Held{.attempt = a, .batches = 0, .chunk = chunk};
    if (chunk == 0) {
      if (answered_locally_ && answered_locally_(port.item(a.index))) {
        finish(port, a.id, Reply(), true);  // no row: the callback takes the pipeline's answer
      } else {
        enqueue(port, a.id);
      }
      continue;
    }
    std::string error;
    const wire::ChatRequest chat = chat_of(a.index, error);
    attached.push_back(error.empty() ? budget_.estimate(estimate_tokens(chat), chat.max_tokens) : 0.0);
    budget_.hold(a.id, attached.back());
    if (row) returned.emplace_back(chunk, std::move(*row));
  }
  budget_.force(port, attached);
  for (const auto& [chunk, row] : returned) on_row(port, chunk, row);
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
  Chunk chunk;
  while (!queue_.empty() && !port.stopping() && !budget_wait_) {
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
    const bool over_tokens = options_.max_batch_tokens > 0 && chunk.tokens + estimate > options_.max_batch_tokens;
    if (!chunk.ids.empty() && (chunk.ids.size() >= options_.max_batch_requests ||
                               chunk.bytes + entry.size() + 1 > api_->max_bytes() || over_tokens)) {
      send(port, std::exchange(chunk, {}));
    }
    chunk.bytes += entry.size() + 1;
    chunk.tokens += estimate;
    chunk.ids.push_back(id);
    chunk.entries.push_back(std::move(entry));
    chunk.costs.push_back(budget_.estimate(estimate, chat.max_tokens));
  }
  if (!chunk.ids.empty()) send(port, std::move(chunk));
}

void BatchRunner::send(DeferredPort& port, Chunk chunk) {
  const std::size_t fit = budget_.reserve(port, chunk.costs, budget_wait_);
  for (std::size_t i = chunk.ids.size(); i-- > fit;) queue_.push_front(std::move(chunk.ids[i]));
  if (fit == 0) return;
  chunk.ids.resize(fit);
  chunk.entries.resize(fit);
  for (std::size_t i = 0; i < fit; ++i) budget_.hold(chunk.ids[i], chunk.costs[i]);
  submit_chunk(port, std::move(chunk.ids), std::move(chunk.entries));
}

void BatchRunner::submit_chunk(DeferredPort& port, std::vector<std::string> sent, std::vector<std::string> entries) {
  const std::uint64_t chunk = next_chunk_++;
  const std::string key = chunk_key(chunk, sent);
  note(port, chunk_note(chunk, port.operation(), key, sent));
  const BatchStatus created = api_->create(entries, port.operation(), key);
  entries = {};
  if (!created.error.empty()) {
    client_.api.warning("LLM batch not created", {{"chunk", chunk}, {"error", created.error}});
    note(port, done_note(chunk));
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
  note(port, batch_note(chunk, created.id));
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
  note(port, done_note(open.chunk));
}

bool BatchRunner::is_open(std::uint64_t chunk) const {
  return chunk != 0 && std::any_of(open_.begin(), open_.end(), [chunk](const Open& o) { return o.chunk == chunk && !o.batch.empty(); });
}

const std::string& BatchRunner::item_id(const std::string& custom_id) const {
  const auto it = item_of_.find(custom_id);
  return it == item_of_.end() ? custom_id : it->second;
}

void BatchRunner::on_row(DeferredPort& port, std::uint64_t chunk, const BatchRow& row) {
  const std::string id = item_id(row.custom_id);
  const auto it = held_.find(id);
  if (it == held_.end()) {
    (void)reattached_.keep(id, chunk, row);  // for its item, when admitted
    return;
  }
  if (it->second.chunk != chunk) return;  // finished already
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
  budget_.release(port, id);
  Held& held = held_.at(id);
  held.chunk = 0;
  if (held.batches <= options_.resubmit) {
    queue_.push_back(id);
  } else if (options_.online_fallback) {
    online_.push_back(id);
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
  if (online) budget_.release(port, id);  // the call takes a permit of its own
  port.finish(attempt);  // the item's callback reads current(), and charges the row
  budget_.release(port, id);
  // Identical requests that waited for this one: its answer, else each asks again.
  std::optional<CachedAnswer> answer;
  for (const std::string& waiting : cache_.finished(id, current_, answer)) {
    if (answer) {
      finish_cached(port, waiting, *answer);
    } else if (online) {
      online_.push_back(waiting);
    } else {
      enqueue(port, waiting);
    }
  }
}

void BatchRunner::go_online(DeferredPort& port) {
  while (!online_.empty() && !port.stopping() && !budget_wait_) {
    const auto it = held_.find(online_.front());
    if (it != held_.end()) {
      std::string error;
      const wire::ChatRequest chat = chat_of(it->second.attempt.index, error);
      const double cost = error.empty() ? endpoint().price.estimate(estimate_tokens(chat), chat.max_tokens) : 0.0;
      const batch::detail::Reservation fit = budget_.fits(port, cost);
      if (fit == batch::detail::Reservation::later) budget_wait_ = true;
      if (fit != batch::detail::Reservation::granted) return;
    }
    const std::string id = std::move(online_.front());
    online_.pop_front();
    finish(port, id, Reply(), true);
  }
}

bool BatchRunner::request_at(std::size_t index, Request& out, std::string& error) {
  try {
    out = request_of_(port_->item(index));
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

void BatchRunner::note(DeferredPort& port, const std::string& record) {
  if (const int err = port.note(record); err != 0) throw Error("journal write failed for a batch note");
}

}  // namespace leadscout::llm::detail

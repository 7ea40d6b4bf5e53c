// Batches advance with the wall clock alone: nothing runs between requests, so a batch's rows are
// answered when a request first finds it finalizing or ended.
#include "batch_store.hpp"

#include <algorithm>

#include "random.hpp"

namespace leadscout::llm_stub {

namespace {

/// Uniform in [0, 1) from the seed, a batch serial and a purpose.
double draw(std::uint64_t seed, std::uint64_t serial, std::string_view purpose) noexcept {
  const std::uint64_t x = demo::mix64(seed ^ demo::mix64(serial ^ demo::hash_text(purpose)));
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

}  // namespace

std::int64_t unix_seconds(TimePoint t) noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

BatchStore::BatchStore(std::string id_prefix, std::uint64_t seed, BatchOptions options, Answer answer)
    : id_prefix_(std::move(id_prefix)), seed_(seed), options_(options), answer_(std::move(answer)) {}

std::string BatchStore::new_id(std::string_view prefix) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  demo::Rng rng(demo::mix64(seed_ ^ demo::mix64(++ids_ ^ demo::hash_text(prefix))));
  std::string id(prefix);
  for (int i = 0; i < 24; ++i) id += alphabet[rng.below(sizeof alphabet - 1)];
  return id;
}

Batch& BatchStore::create(std::vector<BatchRequest> requests, TimePoint now, std::int64_t& duplicates) {
  Batch& b = batches_.emplace_back();
  b.serial = batches_.size();
  b.id = new_id(id_prefix_);
  b.created = now;
  b.expires = draw(seed_, b.serial, "expire") < options_.expire_rate;
  duplicates = 0;
  for (const BatchRequest& r : requests) {
    if (seen_custom_ids_.contains(r.custom_id)) ++duplicates;
  }
  for (const BatchRequest& r : requests) seen_custom_ids_.insert(r.custom_id);
  b.requests = std::move(requests);
  index_.emplace(b.id, batches_.size() - 1);
  return b;
}

Batch& BatchStore::create_failed(nlohmann::json errors, TimePoint now) {
  Batch& b = batches_.emplace_back();
  b.serial = batches_.size();
  b.id = new_id(id_prefix_);
  b.created = now;
  b.failed = true;
  b.processed = true;
  b.errors = std::move(errors);
  index_.emplace(b.id, batches_.size() - 1);
  return b;
}

Batch* BatchStore::find(std::string_view id) {
  const auto it = index_.find(id);
  return it == index_.end() ? nullptr : &batches_[it->second];
}

std::vector<Batch*> BatchStore::list(std::string_view after, std::size_t limit, bool& has_more) {
  std::size_t end = batches_.size();  // one past the newest to list
  if (!after.empty()) {
    const auto it = index_.find(after);
    end = it == index_.end() ? 0 : it->second;
  }
  std::vector<Batch*> page;
  while (end > 0 && page.size() < limit) page.push_back(&batches_[--end]);
  has_more = end > 0;
  return page;
}

Timeline BatchStore::timeline(const Batch& b) const {
  const auto d = options_.duration;
  Timeline t;
  t.in_progress = b.created + d / 10;
  t.finalizing = b.created + d - d / 10;
  t.ended = b.cancel_requested ? *b.cancel_requested + d / 10 : b.created + d;
  return t;
}

Ending BatchStore::ending(const Batch& b) {
  if (b.failed) return Ending::failed;
  if (b.cancel_requested) return Ending::cancelled;
  return b.expires ? Ending::expired : Ending::completed;
}

Phase BatchStore::phase(const Batch& b, TimePoint now) const {
  const Timeline t = timeline(b);
  if (b.failed || now >= t.ended) return Phase::ended;
  if (b.cancel_requested) return Phase::cancelling;
  if (now < t.in_progress) return Phase::validating;
  return !b.expires && now >= t.finalizing ? Phase::finalizing : Phase::in_progress;
}

std::size_t BatchStore::finishing_rows(const Batch& b) const {
  const std::size_t n = b.requests.size();
  switch (ending(b)) {
    case Ending::completed:
      return n;
    case Ending::expired:
      return n / 2;
    case Ending::cancelled: {
      // The share of the in-progress time that had passed when the cancel came.
      const Timeline t = timeline(b);
      const auto run = t.finalizing - t.in_progress;
      const auto done = std::clamp(*b.cancel_requested - t.in_progress, decltype(run)::zero(), run);
      if (run.count() <= 0) return 0;
      const double share = static_cast<double>(done.count()) / static_cast<double>(run.count());
      return static_cast<std::size_t>(static_cast<double>(n) * share);
    }
    case Ending::failed:
      break;
  }
  return 0;
}

bool BatchStore::advance(Batch& b, TimePoint now) {
  const Phase p = phase(b, now);
  if (b.processed || (p != Phase::finalizing && p != Phase::ended)) return false;
  const std::size_t finishing = finishing_rows(b);
  const RowResult::Kind unfinished = ending(b) == Ending::cancelled ? RowResult::Kind::cancelled : RowResult::Kind::expired;
  b.results.reserve(b.requests.size());
  for (std::size_t i = 0; i < b.requests.size(); ++i) {
    if (i < finishing) {
      b.results.push_back(answer_(b.requests[i].body));
    } else {
      RowResult& r = b.results.emplace_back();
      r.kind = unfinished;
    }
  }
  b.processed = true;
  return true;
}

bool BatchStore::cancel(Batch& b, TimePoint now) {
  const Phase p = phase(b, now);
  if (p != Phase::validating && p != Phase::in_progress) return false;
  b.cancel_requested = now;
  return true;
}

RowCounts BatchStore::counts(const Batch& b) {
  RowCounts c;
  for (const RowResult& r : b.results) {
    switch (r.kind) {
      case RowResult::Kind::answered:
        ++c.answered;
        break;
      case RowResult::Kind::failed:
        ++c.failed;
        break;
      case RowResult::Kind::expired:
        ++c.expired;
        break;
      case RowResult::Kind::cancelled:
        ++c.cancelled;
        break;
    }
  }
  return c;
}

}  // namespace leadscout::llm_stub

// Resume: unique ids, shard membership, the input's fingerprint and the journal's replay.
#include "resume.hpp"

#include <algorithm>

namespace leadscout::batch::detail {

IdIndex::IdIndex(const std::vector<std::string>& ids, const std::vector<std::uint64_t>& hashes)
    : ids_(ids), hashes_(hashes) {
  std::size_t cap = 16;
  while (cap < ids.size() * 2) cap <<= 1;
  slots_.assign(cap, npos);
  mask_ = cap - 1;
}

std::size_t IdIndex::insert(std::size_t i) {
  for (std::size_t s = hashes_[i] & mask_;; s = (s + 1) & mask_) {
    const std::size_t j = slots_[s];
    if (j == npos) {
      slots_[s] = i;
      return npos;
    }
    if (hashes_[j] == hashes_[i] && ids_[j] == ids_[i]) return j;
  }
}

std::size_t IdIndex::find(std::string_view id) const noexcept {
  const std::uint64_t h = stable_hash(id);
  for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
    const std::size_t j = slots_[s];
    if (j == npos) return npos;
    if (hashes_[j] == h && ids_[j] == id) return j;
  }
}

namespace {

std::vector<std::uint64_t> hashes_of(const std::vector<std::string>& ids) {
  std::vector<std::uint64_t> hashes(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) hashes[i] = stable_hash(ids[i]);
  return hashes;
}

}  // namespace

// Each id is hashed once, for the index, the shard and the fingerprint.
Resume::Resume(const std::vector<std::string>& ids, std::optional<ShardSpec> shard)
    : ids_(ids), hashes_(hashes_of(ids)), index_(ids_, hashes_), shard_(shard), member_(ids.size(), 1) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (const std::size_t j = index_.insert(i); j != IdIndex::npos) {
      throw leadscout::Error("duplicate item id \"" + ids[i] + "\" at positions " + std::to_string(j) + " and " +
                  std::to_string(i) + "; item ids must be unique");
    }
  }
  if (shard_ && (shard_->count == 0 || shard_->index >= shard_->count)) {
    throw leadscout::Error("Options::shard must satisfy index < count");
  }
  if (shard_ && shard_->count <= 1) shard_.reset();
  Fingerprint fingerprint;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (shard_ && hashes_[i] % shard_->count != shard_->index) {
      member_[i] = 0;
      continue;
    }
    fingerprint.add_hash(hashes_[i]);
    ++total_;
  }
  fingerprint_ = fingerprint.hex();
}

JournalHeader Resume::header(const std::string& operation, const std::string& created_at) const {
  return JournalHeader{operation, fingerprint_, total_, created_at, shard_};
}

// Journal lines are mostly in input order: try the position after the previous record (and a
// few around it) before the hash lookup.
std::size_t Resume::position(std::string_view id) noexcept {
  for (std::size_t k = hint_ > 4 ? hint_ - 4 : 0, stop = std::min(ids_.size(), hint_ + 4); k < stop; ++k) {
    if (ids_[k] == id) return k;
  }
  return index_.find(id);
}

void Resume::on_record(const JournalRecord& r, Job& job, const Options& opt, const leadscout::log::Logger& log,
                       RunReport& report, const OkCallback& on_ok) {
  if (r.note) {
    notes_.emplace_back(r.note_text);
    return;
  }
  for (const auto& entry : r.usage) add_usage(prior_usage_, entry.first, entry.second);
  if (r.partial || r.input) return;
  const std::size_t i = position(r.id);
  if (i == IdIndex::npos) return;
  hint_ = i + 1;
  if (member_[i] == 0 || journaled_[i] == kOk) return;
  if (r.ok) {
    if (!job.load(i, r.id, r.result, load_error_)) {
      if (unloadable_++ == 0) {
        log.warning("Journaled result not loadable, item runs again", {{"item_id", r.id}, {"error", load_error_}});
      }
      return;
    }
    journaled_[i] = kOk;
    if (on_ok) on_ok(r.id, r.result);
    if (!old_failures_.empty()) old_failures_.erase(i);
    metrics_buf_.clear();
    for (const auto& [k, v] : r.metrics) metrics_buf_.emplace_back(k, v);
    report.merge_metrics(metrics_buf_);
  } else {
    journaled_[i] = kFailed;
    if (!opt.retry_failed) old_failures_[i] = ItemFailure{std::string(r.id), std::string(r.error), r.attempts};
  }
}

std::vector<std::size_t> Resume::replay(Journal& journal, const std::filesystem::path& path,
                                        const JournalHeader& header, Job& job, const Options& opt,
                                        const leadscout::log::Logger& log, RunReport& report,
                                        const OkCallback& on_ok) {
  journaled_.assign(ids_.size(), kNone);
  old_failures_.clear();
  prior_usage_.clear();
  notes_.clear();
  const JournalOpenReport opened = journal.open(path, header, opt.fresh, [&](const JournalRecord& r) {
    on_record(r, job, opt, log, report, on_ok);
  });
  dropped_lines_ = opened.dropped_lines;
  if (opened.dropped_lines > 0) {
    log.warning("Journal lines dropped",
                {{"path", path.string()}, {"count", opened.dropped_lines}, {"detail", opened.dropped_detail}});
  }
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (member_[i] == 0) continue;
    if (journaled_[i] == kOk) {
      report.add_resumed_success();
    } else if (journaled_[i] == kFailed && !opt.retry_failed) {
      report.add_resumed_failure(std::move(old_failures_[i]));
    } else {
      pending.push_back(i);
    }
  }
  return pending;
}

}  // namespace leadscout::batch::detail

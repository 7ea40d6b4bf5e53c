// Resume of a streamed input: the resume index, the kept failures and the input checkpoints.
#include "stream_resume.hpp"

#include "leadscout/batch/shard.hpp"

namespace leadscout::batch::detail {

namespace {

constexpr std::string_view kStreamFingerprint = "stream";

}  // namespace

StreamResume::StreamResume(std::optional<ShardSpec> shard) : shard_(shard) {
  if (shard_ && (shard_->count == 0 || shard_->index >= shard_->count)) {
    throw leadscout::Error("Options::shard must satisfy index < count");
  }
  if (shard_ && shard_->count <= 1) shard_.reset();
}

JournalHeader StreamResume::header(const std::string& operation, const std::string& created_at) const {
  return JournalHeader{operation, std::string(kStreamFingerprint), 0, created_at, shard_};
}

void StreamResume::on_record(const JournalRecord& r, Job& job, const leadscout::log::Logger& log,
                             RunReport& report, const Resume::OkCallback& on_ok) {
  for (const auto& entry : r.usage) add_usage(prior_usage_, entry.first, entry.second);
  if (r.input) {
    checkpoints_[r.input_items] = Checkpoint{std::string(r.fingerprint), r.input_end};
    if (r.input_end) end_ = r.input_items;
    return;
  }
  if (r.note) {
    notes_.emplace_back(r.note_text);
    return;
  }
  if (r.partial) return;
  const IdDigest digest = id_digest(r.id, stable_hash(r.id));
  if (!r.ok) {
    index_.add(digest, false);
    if (!retry_failed_) failures_[std::string(r.id)] = ItemFailure{std::string(r.id), std::string(r.error), r.attempts};
    return;
  }
  if (!job.load(static_cast<std::size_t>(-1), r.id, r.result, load_error_)) {
    if (unloadable_++ == 0) {
      log.warning("Journaled result not loadable, item runs again", {{"item_id", r.id}, {"error", load_error_}});
    }
    return;
  }
  index_.add(digest, true);
  if (!failures_.empty()) failures_.erase(std::string(r.id));
  report.add_resumed_success();
  ++finished_count_;
  if (on_ok) on_ok(r.id, r.result);
  metrics_buf_.clear();
  for (const auto& [k, v] : r.metrics) metrics_buf_.emplace_back(k, v);
  report.merge_metrics(metrics_buf_);
}

void StreamResume::replay(Journal& journal, const std::filesystem::path& path, const JournalHeader& header,
                          Job& job, const Options& opt, const leadscout::log::Logger& log, RunReport& report,
                          const Resume::OkCallback& on_ok) {
  retry_failed_ = opt.retry_failed;
  const JournalOpenReport opened = journal.open(path, header, opt.fresh, [&](const JournalRecord& r) {
    on_record(r, job, log, report, on_ok);
  });
  index_.freeze();
  dropped_lines_ = opened.dropped_lines;
  if (opened.dropped_lines > 0) {
    log.warning("Journal lines dropped",
                {{"path", path.string()}, {"count", opened.dropped_lines}, {"detail", opened.dropped_detail}});
  }
  finished_count_ += failures_.size();
  for (auto& entry : failures_) report.add_resumed_failure(std::move(entry.second));
  failures_.clear();
}

void StreamResume::finished(std::span<const IdDigest> digests, std::vector<DigestIndex::Outcome>& scratch,
                            std::vector<bool>& done) const {
  scratch.resize(digests.size());
  index_.find_many(digests, scratch);
  done.assign(digests.size(), false);
  for (std::size_t i = 0; i < digests.size(); ++i) {
    done[i] = scratch[i] == DigestIndex::Outcome::ok || (scratch[i] == DigestIndex::Outcome::failed && !retry_failed_);
  }
}

std::string StreamResume::check(std::uint64_t items, std::string_view fingerprint, bool end) const {
  const std::string changed = "the input changed since the journal was written: ";
  if (end_ && (items > *end_ || (end && items != *end_))) {
    return changed + "it ended after " + std::to_string(*end_) + " items then, and " +
           (end ? "after " + std::to_string(items) : "goes past " + std::to_string(*end_)) +
           " now; pass fresh = true to start over";
  }
  if (end && !checkpoints_.empty() && checkpoints_.rbegin()->first > items) {
    return changed + "it ends after " + std::to_string(items) + " items, but had at least " +
           std::to_string(checkpoints_.rbegin()->first) + "; pass fresh = true to start over";
  }
  const auto it = checkpoints_.find(items);
  if (it != checkpoints_.end() && it->second.fingerprint != fingerprint) {
    return changed + "its first " + std::to_string(items) + " item ids differ (fingerprint " + std::string(fingerprint) +
           ", was " + it->second.fingerprint + "); pass fresh = true to start over";
  }
  return {};
}

bool StreamResume::recorded(std::uint64_t items, bool end) const noexcept {
  const auto it = checkpoints_.find(items);
  return it != checkpoints_.end() && (!end || it->second.end);
}

}  // namespace leadscout::batch::detail

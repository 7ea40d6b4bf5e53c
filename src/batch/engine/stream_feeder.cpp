// The reader of a streamed input.
#include "stream_feeder.hpp"

#include <algorithm>
#include <cstring>
#include <exception>

#include "leadscout/batch/shard.hpp"

namespace leadscout::batch::detail {

StreamFeeder::StreamFeeder(std::size_t in_flight, StreamResume& resume)
    : resume_(resume), slot_count_(2 * kChunk + in_flight) {
  free_.reserve(slot_count_);
  for (std::size_t i = slot_count_; i > 0; --i) free_.push_back(i - 1);
}

std::vector<std::size_t> StreamFeeder::take_slots() {
  std::vector<std::size_t> slots(free_.end() - static_cast<std::ptrdiff_t>(kChunk), free_.end());
  free_.resize(free_.size() - kChunk);
  std::reverse(slots.begin(), slots.end());
  return slots;
}

// Three passes over the chunk: read every item into its own slot, look the members up in the
// resume index all at once (the lookups' memory is fetched ahead), keep the ones to run.
void StreamFeeder::read_items(Job& job, const std::vector<std::size_t>& slots, Chunk& chunk) {
  const auto& shard = resume_.shard();
  const std::uint64_t first = position_;
  const std::uint64_t boundary = (position_ / kChunk + 1) * kChunk;
  hashes_.clear();
  digests_.clear();
  while (position_ < boundary) {
    const std::size_t slot = slots[position_ - first];
    if (!job.pull(slot)) {
      chunk.ended = true;
      break;
    }
    const std::string& id = job.ids()[slot];
    const std::uint64_t hash = stable_hash(id);
    // Order matters to a streamed input's checkpoints: the position goes into each id's share.
    fingerprint_.add_hash(hash ^ (position_ * 0x9e3779b97f4a7c15ULL));
    ++position_;
    hashes_.push_back(hash);
    if (shard && hash % shard->count != shard->index) continue;
    digests_.push_back(id_digest(id, hash));
  }
  resume_.finished(digests_, outcomes_, done_);
  std::size_t member = 0;
  for (std::size_t k = 0; k < hashes_.size(); ++k) {
    const std::uint64_t hash = hashes_[k];
    if (shard && hash % shard->count != shard->index) {
      chunk.unused.push_back(slots[k]);
      continue;
    }
    ++chunk.members;
    if (done_[member++]) {
      ++chunk.finished;
      chunk.unused.push_back(slots[k]);
      continue;
    }
    positions_.emplace_back(hash, first + k);
    chunk.run.push_back(slots[k]);
  }
  chunk.unused.insert(chunk.unused.end(), slots.begin() + static_cast<std::ptrdiff_t>(hashes_.size()), slots.end());
}

// Ids are checked for repeats within a chunk; a repeat further apart runs twice.
std::string StreamFeeder::duplicate_in(Job& job, const Chunk& chunk) const {
  std::vector<std::pair<std::uint64_t, std::size_t>> by_hash;  // hash, index into chunk.run
  by_hash.reserve(chunk.run.size());
  for (std::size_t i = 0; i < chunk.run.size(); ++i) by_hash.emplace_back(positions_[i].first, i);
  std::sort(by_hash.begin(), by_hash.end());
  for (std::size_t k = 1; k < by_hash.size(); ++k) {
    if (by_hash[k].first != by_hash[k - 1].first) continue;
    const std::size_t a = std::min(by_hash[k - 1].second, by_hash[k].second);
    const std::size_t b = std::max(by_hash[k - 1].second, by_hash[k].second);
    const std::string& id = job.ids()[chunk.run[a]];
    if (id != job.ids()[chunk.run[b]]) continue;
    return "duplicate item id \"" + id + "\" at positions " + std::to_string(positions_[a].second) + " and " +
           std::to_string(positions_[b].second) + "; item ids must be unique";
  }
  return {};
}

StreamFeeder::Chunk StreamFeeder::read(Job& job, const std::vector<std::size_t>& slots, Journal& journal) {
  Chunk chunk;
  positions_.clear();
  chunk.unused.reserve(slots.size());
  try {
    read_items(job, slots, chunk);
  } catch (const std::exception& e) {
    chunk.error = std::string("reading the input failed after ") + std::to_string(position_) + " items: " + e.what();
  } catch (...) {
    chunk.error = "reading the input failed after " + std::to_string(position_) + " items: unknown exception";
  }
  if (chunk.error.empty()) chunk.error = duplicate_in(job, chunk);
  if (chunk.error.empty()) chunk.error = resume_.check(position_, fingerprint_.hex(), chunk.ended);
  if (chunk.error.empty() && !resume_.recorded(position_, chunk.ended) && (chunk.ended || position_ % kChunk == 0)) {
    line_.clear();
    format_input_record(line_, position_, fingerprint_.hex(), chunk.ended);
    if (const int err = journal.append(line_); err != 0) chunk.error = std::string("journal write failed: ") + std::strerror(err);
  }
  if (!chunk.error.empty()) {  // nothing of a chunk that failed its check runs or counts
    chunk.run.clear();
    chunk.members = chunk.finished = 0;
    chunk.unused = slots;
  }
  return chunk;
}

void StreamFeeder::apply(const Chunk& chunk) {
  free_.insert(free_.end(), chunk.unused.begin(), chunk.unused.end());
  members_ += chunk.members;
  finished_seen_ += chunk.finished;
  ended_ = ended_ || chunk.ended;
  failed_ = failed_ || !chunk.error.empty();
}

}  // namespace leadscout::batch::detail

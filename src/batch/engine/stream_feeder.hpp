// The reader of a streamed input: chunks of items into a fixed set of slots, each chunk
// checked against the journal's checkpoints before any of its items starts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "journal/journal.hpp"
#include "journal/journal_record.hpp"
#include "leadscout/batch/detail/job.hpp"
#include "journal/stream_resume.hpp"

namespace leadscout::batch::detail {

/// Slots are the engine's item indices for a streamed input: an item lives in one from the
/// read of its chunk until it finishes. The free list is guarded by the engine's lock; read()
/// runs on run()'s thread without it.
class StreamFeeder {
 public:
  /// Input items per chunk: the granularity of the checkpoints and of reading.
  static constexpr std::size_t kChunk = 1024;

  /// What read() found; applied under the engine's lock.
  struct Chunk {
    std::vector<std::size_t> run;     ///< slots of items to run, in input order
    std::vector<std::size_t> unused;  ///< slots to give back
    std::uint64_t members = 0;        ///< items of this shard read
    std::uint64_t finished = 0;       ///< of those, items the journal has as done
    bool ended = false;               ///< the input ended in this chunk
    std::string error;                ///< the input changed, or reading it failed
  };

  /// Enough slots for two chunks and `in_flight` items held by the executor (for a worker
  /// pool, the retries and stragglers of its workers: twice their number).
  StreamFeeder(std::size_t in_flight, StreamResume& resume);

  [[nodiscard]] std::size_t slot_count() const noexcept { return slot_count_; }
  [[nodiscard]] bool ended() const noexcept { return ended_; }
  /// True when a chunk should be read now (engine's lock held).
  [[nodiscard]] bool wants_chunk() const noexcept { return !ended_ && !failed_ && free_.size() >= kChunk; }
  /// Takes the slots of one chunk off the free list (engine's lock held).
  [[nodiscard]] std::vector<std::size_t> take_slots();
  /// The item in `slot` is done (engine's lock held).
  void release(std::size_t slot) { free_.push_back(slot); }

  /// Reads the next chunk into `slots` through `job`, checks it and journals its checkpoint.
  /// Never throws: an exception of the input is the chunk's error.
  [[nodiscard]] Chunk read(Job& job, const std::vector<std::size_t>& slots, Journal& journal);
  /// Takes the chunk's slots and counts (engine's lock held).
  void apply(const Chunk& chunk);

  /// Items of this shard read so far, and of those the ones the journal had as done.
  [[nodiscard]] std::uint64_t members() const noexcept { return members_; }
  [[nodiscard]] std::uint64_t finished_seen() const noexcept { return finished_seen_; }

 private:
  void read_items(Job& job, const std::vector<std::size_t>& slots, Chunk& chunk);
  [[nodiscard]] std::string duplicate_in(Job& job, const Chunk& chunk) const;

  StreamResume& resume_;
  const std::size_t slot_count_;
  std::vector<std::size_t> free_;
  bool ended_ = false;
  bool failed_ = false;
  std::uint64_t members_ = 0;
  std::uint64_t finished_seen_ = 0;
  // run()'s thread only
  std::uint64_t position_ = 0;  ///< input items read
  Fingerprint fingerprint_;     ///< of the ids read
  std::vector<std::pair<std::uint64_t, std::uint64_t>> positions_;  ///< hash, position of chunk.run
  std::vector<std::uint64_t> hashes_;                 ///< of the items of the chunk being read
  std::vector<IdDigest> digests_;                     ///< of its members
  std::vector<DigestIndex::Outcome> outcomes_;
  std::vector<bool> done_;
  std::string line_;
};

}  // namespace leadscout::batch::detail

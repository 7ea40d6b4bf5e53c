// The engine's vocabulary for the typed side of a run: the items, the callback and the results
// seen through item indices. processor.hpp implements it for the user's Item and Result; the
// engine's parts (workers, resume, the stream feeder) use it without the engine's facade.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "leadscout/batch/context.hpp"
#include "leadscout/batch/outcome.hpp"

namespace leadscout::batch::detail {

/// The typed side of a run, seen by the engine through item indices: input positions, or for
/// a streamed input the slots that pull() fills.
class Job {
 public:
  virtual ~Job() = default;
  [[nodiscard]] virtual std::size_t size() const noexcept = 0;
  /// Ids of all items (computed once, unique checked by the engine), or of every slot.
  [[nodiscard]] virtual const std::vector<std::string>& ids() const noexcept = 0;
  /// True for a streamed input.
  [[nodiscard]] virtual bool streaming() const noexcept { return false; }
  /// A streamed input: gives the job `slots` slots (ids() then has that size).
  virtual void set_slots(std::size_t slots) { (void)slots; }
  /// A streamed input: reads the next item into `slot` and its id into ids()[slot]; false at
  /// the input's end. Called on run()'s thread without locks; throws what the input throws.
  virtual bool pull(std::size_t slot) {
    (void)slot;
    return false;
  }
  /// The item at `index` (an Item of the run): an input position, or a filled slot.
  [[nodiscard]] virtual const void* item(std::size_t index) const noexcept = 0;
  /// Runs one attempt of item `index` on worker `worker`. On success stages the result (for
  /// commit) and sets `result_json` to its JSON; on failure fills `failure`. Never throws.
  virtual bool attempt(std::size_t worker, std::size_t index, Context& ctx, Failure& failure,
                       std::string& result_json) noexcept = 0;
  /// Keeps the result staged by `worker` as the result of `index`, or hands it to a callback
  /// sink; returns what that callback threw ("" when nothing).
  virtual std::string commit(std::size_t worker, std::size_t index) noexcept = 0;
  /// Drops the result staged by `worker` (a late or cancelled attempt).
  virtual void discard(std::size_t worker) noexcept = 0;
  /// Loads a journaled result of item `id` (at `index`, unknown for a streamed input) from its
  /// JSON text; false with `error` when it does not parse or convert. With a results sink
  /// nothing is kept and nothing is checked.
  virtual bool load(std::size_t index, std::string_view id, std::string_view result_json,
                    std::string& error) noexcept = 0;
};

}  // namespace leadscout::batch::detail

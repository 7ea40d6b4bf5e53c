// The progress file schema and the file names of an operation.
#include "leadscout/batch/progress.hpp"

#include <fstream>
#include <string>

#include "shard_env.hpp"

namespace leadscout::batch {

ProgressSnapshot read_progress(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw leadscout::Error("cannot open progress file " + file.string());
  try {
    return nlohmann::json::parse(in).get<ProgressSnapshot>();
  } catch (const nlohmann::json::exception& e) {
    throw leadscout::Error("invalid progress file " + file.string() + ": " + e.what());
  }
}

ProgressFiles progress_files(const std::filesystem::path& dir, std::string_view operation,
                             std::optional<ShardSpec> shard) {
  std::string base(operation);
  if (shard && shard->count > 1) {
    // Appended in two steps: `"." + std::string` trips g++ 12's -Wrestrict false positive at -O2.
    base += '.';
    base += common::shard_name({shard->index, shard->count});
  }
  return ProgressFiles{dir / (base + ".json"), dir / "batch-status.json", dir / (base + ".prom"),
                       dir / (base + ".checkpoint.jsonl")};
}

}  // namespace leadscout::batch

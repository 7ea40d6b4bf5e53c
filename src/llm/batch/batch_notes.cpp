#include "batch/batch_notes.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

namespace leadscout::llm::detail {

std::vector<NotedChunk> unfinished_chunks(const std::vector<std::string>& notes, std::uint64_t& next_chunk) {
  std::map<std::uint64_t, NotedChunk> chunks;
  for (const std::string& text : notes) {
    const nlohmann::json n = nlohmann::json::parse(text, nullptr, false);
    if (!n.is_object() || !n.contains("chunk") || !n["chunk"].is_number_unsigned()) continue;  // another runner's
    const std::uint64_t chunk = n["chunk"].get<std::uint64_t>();
    next_chunk = std::max(next_chunk, chunk + 1);
    if (n.value("done", false)) {
      chunks.erase(chunk);
    } else if (n.contains("ids")) {
      chunks[chunk] = NotedChunk{.chunk = chunk, .key = n.value("key", ""), .batch = {},
                                 .ids = n["ids"].get<std::vector<std::string>>()};
    } else if (auto it = chunks.find(chunk); it != chunks.end() && n.contains("batch")) {
      it->second.batch = n["batch"].get<std::string>();
    }
  }
  std::vector<NotedChunk> out;
  out.reserve(chunks.size());
  for (auto& [chunk, noted] : chunks) out.push_back(std::move(noted));
  return out;
}

// FNV-1a of the ids in order.
std::string chunk_key(std::uint64_t chunk, const std::vector<std::string>& ids) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const std::string& id : ids) {
    for (const char c : id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ 0xFFU) * 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::to_string(chunk) + "-" + buf;
}

std::string chunk_note(std::uint64_t chunk, const std::string& run, const std::string& key,
                       const std::vector<std::string>& ids) {
  return nlohmann::json{{"chunk", chunk}, {"run", run}, {"key", key}, {"ids", ids}}.dump();
}

std::string batch_note(std::uint64_t chunk, const std::string& batch) {
  return nlohmann::json{{"chunk", chunk}, {"batch", batch}}.dump();
}

std::string done_note(std::uint64_t chunk) { return nlohmann::json{{"chunk", chunk}, {"done", true}}.dump(); }

}  // namespace leadscout::llm::detail

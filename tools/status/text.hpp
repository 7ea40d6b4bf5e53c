// Small text helpers shared by the status core's files.
#pragma once

#include <cstdio>
#include <string>

#include "aggregate.hpp"
#include "scan.hpp"

namespace leadscout::status::text {

/// Replaces line breaks so that a message stays on one line.
inline std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

inline std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

inline std::string shard_label(const lb::ShardSpec& s) {
  return "shard " + std::to_string(s.index) + "/" + std::to_string(s.count);
}

/// `operation` or `operation shard i/n`.
inline std::string file_label(const ShardFile& f) {
  return f.name.shard ? f.name.operation + " " + shard_label(*f.name.shard) : f.name.operation;
}

inline std::string status_name(lb::Status s) { return std::string(lb::to_string(s)); }

/// `3 shards`, or `2/3 shards` when some shard has no file (yet).
inline std::string shards_text(const OperationRow& row) {
  const std::string present = std::to_string(row.shards.size());
  return row.shards.size() == row.shard_count ? present + " shards"
                                              : present + "/" + std::to_string(row.shard_count) + " shards";
}

}  // namespace leadscout::status::text
